//! Card tables: every card table of a project (there can be several), their columns,
//! the cards in a column, one card, new cards, changes and moves. A card is done when
//! it sits in its table's done column.

use connector_core::{
    Error, IsoDate, ToolSet, cursor_query,
    schemars::{self, JsonSchema},
    tool,
};
use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Bc, about, dock, gather, list_page};
use crate::model;

pub fn register(set: ToolSet<Bc>) -> ToolSet<Bc> {
    set.with(ListCardTables)
        .with(ListCardColumns)
        .with(ListCards)
        .with(GetCard)
        .with(CreateCard)
        .with(UpdateCard)
        .with(MoveCard)
}

const CARD_FINDER: &str = "basecamp_list_cards";
const COLUMN_FINDER: &str = "basecamp_list_card_columns";
const DONE: &str = "Kanban::DoneColumn";

/// A column: its title, kind and card count; `done` for the table's done column.
fn column(c: &Value) -> Value {
    let mut out = json!({
        "id": c.get("id"),
        "title": c.get("title"),
        "type": c.get("type"),
        "cards_count": c.get("cards_count"),
    });
    if c.get("type").and_then(Value::as_str) == Some(DONE) {
        out["done"] = json!(true);
    }
    if let Some(d) = c
        .get("description")
        .and_then(Value::as_str)
        .and_then(model::rich_text)
    {
        out["description"] = json!(d);
    }
    if let Some(color) = c.get("color").filter(|v| !v.is_null()) {
        out["color"] = color.clone();
    }
    model::compact(out)
}

/// A card, compacted, with `done` when its column is the done column.
fn card(v: &Value) -> Value {
    let mut out = model::compact(v.clone());
    if v.pointer("/parent/type").and_then(Value::as_str) == Some(DONE) {
        out["done"] = json!(true);
    }
    out
}

async fn card_table(client: &Bc, id: i64) -> connector_core::Result<std::sync::Arc<Value>> {
    client
        .get(
            &format!("/card_tables/{id}.json"),
            &[],
            about("card table", Some(id), "basecamp_list_card_tables"),
        )
        .await
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectInput {
    pub project_id: i64,
}

tool! {
    pub struct ListCardTables for Bc {
        name: "basecamp_list_card_tables",
        title: "List a project's card tables",
        access: Read,
        annotations: READ,
        description: "Lists every card table of a project — a project can have several — each with its columns in order (id, title, kind, card count; the done column marked `done`). Column ids are what basecamp_list_cards, basecamp_create_card and basecamp_move_card take.",
    }
    async fn call(client, input: ProjectInput, _ctx) -> Value {
        let mut tables = Vec::new();
        for (id, title) in dock(client, input.project_id, "kanban_board").await? {
            let t = card_table(client, id).await?;
            let columns: Vec<Value> = t.get("lists").and_then(Value::as_array).map(|ls| ls.iter().map(column).collect()).unwrap_or_default();
            tables.push(json!({"id": id, "title": t.get("title").and_then(Value::as_str).unwrap_or(&title), "columns": columns}));
        }
        Ok(json!({"project_id": input.project_id, "card_tables": tables}))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CardTableRef {
    pub card_table_id: i64,
}

tool! {
    pub struct ListCardColumns for Bc {
        name: "basecamp_list_card_columns",
        title: "List a card table's columns",
        access: Read,
        annotations: READ,
        description: "Lists one card table's columns in order: id, title, kind (triage, a working column, not now, done), card count, description and color.",
    }
    async fn call(client, input: CardTableRef, _ctx) -> Value {
        let t = card_table(client, input.card_table_id).await?;
        let columns: Vec<Value> = t.get("lists").and_then(Value::as_array).map(|ls| ls.iter().map(column).collect()).unwrap_or_default();
        Ok(json!({"card_table_id": input.card_table_id, "title": t.get("title"), "columns": columns}))
    }
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListCardsInput {
    pub column_id: i64,
    /// Cards per page (default 50).
    #[schemars(range(min = 1, max = 500))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

tool! {
    pub struct ListCards for Bc {
        name: "basecamp_list_cards",
        title: "List the cards in a column",
        access: Read,
        annotations: READ,
        description: "Lists the cards in one column of a card table, in the column's order: id, title, assignees, due date, comment count, the start of the text; `done` when the column is the done column. Pages with `cursor`.",
    }
    async fn call(client, input: ListCardsInput, ctx) -> Value {
        let args = cursor_query(&input);
        list_page(client, &args, input.cursor.as_deref(), input.limit, ctx.budget, || async {
            gather(client, &format!("/card_tables/lists/{}/cards.json", input.column_id), &[], about("column", Some(input.column_id), COLUMN_FINDER), |c| {
                let mut row = card(c);
                if let Some(text) = row.get("content").and_then(Value::as_str) {
                    row["content"] = json!(connector_core::text::clip(text, 200));
                }
                row
            }).await
        }).await
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CardRef {
    pub card_id: i64,
}

tool! {
    pub struct GetCard for Bc {
        name: "basecamp_get_card",
        title: "Get a card",
        access: Read,
        annotations: READ,
        description: "Returns one card: title, text (mentions as @Name), assignees, due date, its column (and `done` if that is the done column), steps, comment count, project.",
    }
    async fn call(client, input: CardRef, _ctx) -> Value {
        let c = client
            .get(&format!("/card_tables/cards/{}.json", input.card_id), &[], about("card", Some(input.card_id), CARD_FINDER))
            .await?;
        Ok(card(&c))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCardInput {
    /// The column to add it to (from basecamp_list_card_tables).
    pub column_id: i64,
    #[schemars(length(min = 1))]
    pub title: String,
    /// The card's text (plain text or rich text HTML).
    pub content: Option<String>,
    pub due_on: Option<IsoDate>,
    /// Tell the people on the card.
    #[serde(default)]
    pub notify: bool,
}

tool! {
    pub struct CreateCard for Bc {
        name: "basecamp_create_card",
        title: "Create a card",
        access: Write,
        annotations: CREATE,
        description: "Adds a card to a card table's column, with optional text and due date. Returns the card with its id.",
    }
    async fn call(client, input: CreateCardInput, _ctx) -> Value {
        let body = json!({"title": input.title, "content": input.content, "due_on": input.due_on, "notify": input.notify});
        let created = client
            .write(Method::POST, &format!("/card_tables/lists/{}/cards.json", input.column_id), Some(body), about("column", Some(input.column_id), COLUMN_FINDER))
            .await?
            .unwrap_or_default();
        Ok(card(&created))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCardInput {
    pub card_id: i64,
    pub title: Option<String>,
    /// New text (plain text or rich text HTML); `""` clears it.
    pub content: Option<String>,
    pub due_on: Option<IsoDate>,
    /// Remove the due date.
    #[serde(default)]
    pub clear_due_on: bool,
    /// The complete new set of assignees.
    pub assignee_ids: Option<Vec<i64>>,
}

tool! {
    pub struct UpdateCard for Bc {
        name: "basecamp_update_card",
        title: "Update a card",
        access: Write,
        annotations: UPDATE,
        description: "Changes a card's title, text, due date (set or clear) or assignees; what is not given stays as it is. To move it to another column use basecamp_move_card.",
    }
    async fn call(client, input: UpdateCardInput, _ctx) -> Value {
        let mut body = serde_json::Map::new();
        if let Some(t) = &input.title {
            body.insert("title".into(), json!(t));
        }
        if let Some(c) = &input.content {
            body.insert("content".into(), json!(c));
        }
        if input.clear_due_on {
            body.insert("due_on".into(), Value::Null);
        } else if let Some(d) = input.due_on {
            body.insert("due_on".into(), json!(d));
        }
        if let Some(a) = &input.assignee_ids {
            body.insert("assignee_ids".into(), json!(a));
        }
        if body.is_empty() {
            return Err(Error::invalid_input("give `title`, `content`, `due_on`, `clear_due_on` or `assignee_ids`: what to change"));
        }
        let saved = client
            .write(Method::PUT, &format!("/card_tables/cards/{}.json", input.card_id), Some(Value::Object(body)), about("card", Some(input.card_id), CARD_FINDER))
            .await?
            .unwrap_or_default();
        Ok(card(&saved))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveCardInput {
    pub card_id: i64,
    /// The column to move it to, in the same card table (from basecamp_list_card_tables).
    pub column_id: i64,
    /// Its place in that column, 1 for the top; the end when absent.
    #[schemars(range(min = 1))]
    pub position: Option<u32>,
}

tool! {
    pub struct MoveCard for Bc {
        name: "basecamp_move_card",
        title: "Move a card",
        access: Write,
        annotations: UPDATE,
        description: "Moves a card to another column of its card table (or to a place within its column). Moving it to the done column marks it done. Returns where it is now.",
    }
    async fn call(client, input: MoveCardInput, _ctx) -> Value {
        let mut body = json!({"column_id": input.column_id});
        if let Some(p) = input.position {
            body["position"] = json!(p);
        }
        let call = about("card", Some(input.card_id), CARD_FINDER);
        client
            .write(Method::POST, &format!("/card_tables/cards/{}/moves.json", input.card_id), Some(body), call)
            .await?;
        let now = client.get(&format!("/card_tables/cards/{}.json", input.card_id), &[], call).await?;
        let moved = card(&now);
        Ok(json!({"card_id": input.card_id, "column": moved.get("parent"), "done": moved.get("done").is_some()}))
    }
}
