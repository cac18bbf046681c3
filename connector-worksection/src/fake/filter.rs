//! The `filter` grammar of search_tasks (and of get_costs): integer fields with `=` and
//! `in (a, b)`, string fields with `=` and `has`, date fields with quoted `'DD.MM.YYYY'`
//! and `> < >= <= != =`, parentheses, lowercase `and` / `or` (`and` binds tighter).
//! Anything else is refused, as the real API refuses e.g. `priority >= 7`.

use super::util::parse_input_date;

/// What a field holds, which decides the operators it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Str,
    Date,
}

/// A field's value on one record; `None` when the record has no such value (a task
/// without an end date matches no comparison on `dateend`).
#[derive(Debug, Clone)]
pub enum FieldValue {
    Int(Option<i64>),
    Str(String),
    Date(Option<i64>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
}

#[derive(Debug, Clone)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    IntIn(String, Vec<i64>),
    StrEq(String, String),
    StrHas(String, String),
    Date(String, Op, i64),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Num(i64),
    Quoted(String),
    Op(Op),
    Open,
    Close,
    Comma,
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Word(w) => format!("'{w}'"),
        Tok::Num(n) => n.to_string(),
        Tok::Quoted(s) => format!("'{s}'"),
        Tok::Op(o) => match o {
            Op::Eq => "'='",
            Op::Ne => "'!='",
            Op::Gt => "'>'",
            Op::Lt => "'<'",
            Op::Ge => "'>='",
            Op::Le => "'<='",
        }
        .to_owned(),
        Tok::Open => "'('".to_owned(),
        Tok::Close => "')'".to_owned(),
        Tok::Comma => "','".to_owned(),
    }
}

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push(Tok::Open);
                i += 1;
            }
            ')' => {
                out.push(Tok::Close);
                i += 1;
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1;
            }
            '=' => {
                out.push(Tok::Op(Op::Eq));
                i += 1;
            }
            '!' | '>' | '<' => {
                let eq = chars.get(i + 1) == Some(&'=');
                let op = match (c, eq) {
                    ('!', true) => Op::Ne,
                    ('>', true) => Op::Ge,
                    ('<', true) => Op::Le,
                    ('>', false) => Op::Gt,
                    ('<', false) => Op::Lt,
                    _ => return Err(format!("unexpected '!' at position {}", i + 1)),
                };
                out.push(Tok::Op(op));
                i += if eq { 2 } else { 1 };
            }
            '\'' | '"' => {
                let quote = c;
                let mut value = String::new();
                let mut j = i + 1;
                loop {
                    match chars.get(j) {
                        None => return Err(format!("unterminated string at position {}", i + 1)),
                        Some('\\') if chars.get(j + 1).is_some() => {
                            value.push(chars[j + 1]);
                            j += 2;
                        }
                        Some(&q) if q == quote => break,
                        Some(&ch) => {
                            value.push(ch);
                            j += 1;
                        }
                    }
                }
                out.push(Tok::Quoted(value));
                i = j + 1;
            }
            c if c.is_ascii_digit() => {
                let start = i;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                let digits: String = chars[start..i].iter().collect();
                let n = digits
                    .parse()
                    .map_err(|_| format!("number too large at position {}", start + 1))?;
                out.push(Tok::Num(n));
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                out.push(Tok::Word(chars[start..i].iter().collect()));
            }
            other => return Err(format!("unexpected '{other}' at position {}", i + 1)),
        }
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    fields: &'a dyn Fn(&str) -> Option<Kind>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Result<Tok, String> {
        let t = self
            .toks
            .get(self.pos)
            .cloned()
            .ok_or_else(|| "unexpected end of filter".to_owned())?;
        self.pos += 1;
        Ok(t)
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(x)) if x == w)
    }

    fn expr(&mut self) -> Result<Expr, String> {
        let mut left = self.term()?;
        while self.is_word("or") {
            self.pos += 1;
            let right = self.term()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn term(&mut self) -> Result<Expr, String> {
        let mut left = self.factor()?;
        while self.is_word("and") {
            self.pos += 1;
            let right = self.factor()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn factor(&mut self) -> Result<Expr, String> {
        if self.peek() == Some(&Tok::Open) {
            self.pos += 1;
            let e = self.expr()?;
            return match self.next()? {
                Tok::Close => Ok(e),
                t => Err(format!("expected ')' but found {}", describe(&t))),
            };
        }
        let field = match self.next()? {
            Tok::Word(w) => w,
            t => return Err(format!("expected a field name but found {}", describe(&t))),
        };
        let Some(kind) = (self.fields)(&field) else {
            return Err(format!("unknown field '{field}'"));
        };
        let op = self.next()?;
        match (kind, op) {
            (Kind::Int, Tok::Op(Op::Eq)) => Ok(Expr::IntIn(field, vec![self.int()?])),
            (Kind::Int, Tok::Word(w)) if w == "in" => {
                match self.next()? {
                    Tok::Open => {}
                    t => return Err(format!("expected '(' after in but found {}", describe(&t))),
                }
                let mut values = vec![self.int()?];
                loop {
                    match self.next()? {
                        Tok::Comma => values.push(self.int()?),
                        Tok::Close => break,
                        t => return Err(format!("expected ',' or ')' but found {}", describe(&t))),
                    }
                }
                Ok(Expr::IntIn(field, values))
            }
            (Kind::Str, Tok::Op(Op::Eq)) => Ok(Expr::StrEq(field, self.string()?)),
            (Kind::Str, Tok::Word(w)) if w == "has" => Ok(Expr::StrHas(field, self.string()?)),
            (Kind::Date, Tok::Op(op)) => {
                let s = self.string()?;
                let day = parse_input_date(&s)
                    .ok_or_else(|| format!("invalid date '{s}' (expected 'DD.MM.YYYY')"))?;
                Ok(Expr::Date(field, op, day))
            }
            (_, t) => Err(format!(
                "operator {} is not allowed for field '{field}'",
                describe(&t)
            )),
        }
    }

    fn int(&mut self) -> Result<i64, String> {
        match self.next()? {
            Tok::Num(n) => Ok(n),
            Tok::Quoted(s) => s
                .trim()
                .parse()
                .map_err(|_| format!("expected a number but found '{s}'")),
            t => Err(format!("expected a number but found {}", describe(&t))),
        }
    }

    fn string(&mut self) -> Result<String, String> {
        match self.next()? {
            Tok::Quoted(s) => Ok(s),
            t => Err(format!(
                "expected a quoted value but found {}",
                describe(&t)
            )),
        }
    }
}

/// Parses a filter; `fields` names the fields the action allows. The error is a short
/// description for `message_details`.
pub fn parse(s: &str, fields: &dyn Fn(&str) -> Option<Kind>) -> Result<Expr, String> {
    let toks = tokenize(s)?;
    if toks.is_empty() {
        return Err("empty filter".to_owned());
    }
    let mut p = Parser {
        toks,
        pos: 0,
        fields,
    };
    let e = p.expr()?;
    match p.peek() {
        None => Ok(e),
        Some(t) => Err(format!("unexpected {}", describe(t))),
    }
}

/// Whether a record matches; `get` returns the record's value of a field.
pub fn eval(e: &Expr, get: &dyn Fn(&str) -> FieldValue) -> bool {
    match e {
        Expr::And(a, b) => eval(a, get) && eval(b, get),
        Expr::Or(a, b) => eval(a, get) || eval(b, get),
        Expr::IntIn(f, values) => match get(f) {
            FieldValue::Int(Some(v)) => values.contains(&v),
            _ => false,
        },
        Expr::StrEq(f, want) => match get(f) {
            FieldValue::Str(v) => v.to_lowercase() == want.to_lowercase(),
            _ => false,
        },
        Expr::StrHas(f, want) => match get(f) {
            FieldValue::Str(v) => v.to_lowercase().contains(&want.to_lowercase()),
            _ => false,
        },
        Expr::Date(f, op, day) => match get(f) {
            FieldValue::Date(Some(v)) => match op {
                Op::Eq => v == *day,
                Op::Ne => v != *day,
                Op::Gt => v > *day,
                Op::Lt => v < *day,
                Op::Ge => v >= *day,
                Op::Le => v <= *day,
            },
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task_fields(f: &str) -> Option<Kind> {
        match f {
            "id" | "project" | "parent" => Some(Kind::Int),
            "name" => Some(Kind::Str),
            "dateadd" | "datestart" | "dateend" | "dateclose" => Some(Kind::Date),
            _ => None,
        }
    }

    #[test]
    fn official_example_parses_and_matches() {
        let e = parse(
            "(name has 'Report' or name has 'Approval') and (dateend>'25.05.2021' and dateend<'31.05.2021')",
            &task_fields,
        )
        .unwrap();
        let end = parse_input_date("28.05.2021");
        let get = |f: &str| match f {
            "name" => FieldValue::Str("Monthly report".into()),
            "dateend" => FieldValue::Date(end),
            _ => FieldValue::Int(None),
        };
        assert!(eval(&e, &get));
    }

    #[test]
    fn refuses_what_the_api_refuses() {
        for bad in [
            "priority >= 7",
            "name has Report",
            "id > 5",
            "name has 'x' AND id = 1",
            "(id = 1",
            "dateend > '2021-05-25'",
            "id in (1, 2",
            "",
        ] {
            assert!(parse(bad, &task_fields).is_err(), "{bad}");
        }
        assert!(parse("id in (1, 2) or project = 3", &task_fields).is_ok());
    }
}
