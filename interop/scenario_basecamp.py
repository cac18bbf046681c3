"""A project lead's session through the Python MCP SDK (PyPI `mcp`) against `switchboard demo`.

Usage: scenario_basecamp.py MCP_URL TOKEN
Lists the Basecamp tools, reads every to-do of a 300+ list across cursors, reassigns one
and moves its due date without losing its description or other assignees, completes it,
comments on it, posts a Campfire line, and moves a card in a project's second card table.
Exits non-zero with a message on the first deviation; prints one line per step.
"""

import asyncio
import sys

from scenario import call, check, connect, every, tool_names


async def main():
    url, token = sys.argv[1], sys.argv[2]
    async with connect(url, token) as c:
        names = await tool_names(c, "basecamp_")
        check(len(names) >= 35, f"only {len(names)} basecamp tools: {names}")
        print(f"tools: {len(names)} basecamp tools")

        # The big list: found through the projects' to-do lists.
        projects, _ = await every(c, "basecamp_list_projects", {})
        big = None
        for p in projects:
            if not any(t["name"] == "todoset" for t in p.get("tools", [])):
                continue
            lists, _ = await every(c, "basecamp_list_todolists", {"project_id": p["id"]})
            for lst in lists:
                done, total = (int(x) for x in lst.get("completed_ratio", "0/0").split("/"))
                if total >= 300:
                    big = (p, lst, total)
        check(big, "no to-do list of 300+ to-dos")
        project, todolist, total = big
        open_todos, pages = await every(c, "basecamp_list_todos", {"todolist_id": todolist["id"], "limit": 40})
        done_todos, more = await every(
            c, "basecamp_list_todos", {"todolist_id": todolist["id"], "status": "completed", "limit": 40}
        )
        ids = [t["id"] for t in open_todos + done_todos]
        check(len(ids) == len(set(ids)), "a to-do came twice")
        check(len(ids) == total, f"{len(ids)} to-dos read of {total}")
        print(f"read all {len(ids)} to-dos of '{todolist['name']}' exactly once in {pages + more} pages")

        # Reassign one with several assignees and a description, and move its due date.
        people, _ = await every(c, "basecamp_list_project_people", {"project_id": project["id"]})
        target = None
        for t in open_todos:
            if len(t.get("assignees", [])) >= 2 and t.get("description"):
                target = t
                break
        check(target, "no to-do with two assignees and a description")
        before = await call(c, "basecamp_get_todo", {"todo_id": target["id"]})
        keep = before["assignees"][0]["id"]
        drop = before["assignees"][-1]["id"]
        newcomer = next(p["id"] for p in people if p["id"] not in (keep, drop) and not p.get("client"))
        await call(
            c,
            "basecamp_update_todo",
            {"todo_id": target["id"], "remove_assignee_ids": [drop], "add_assignee_ids": [newcomer], "due_on": "2027-01-29"},
        )
        after = await call(c, "basecamp_get_todo", {"todo_id": target["id"]})
        expected = sorted([a["id"] for a in before["assignees"] if a["id"] != drop] + [newcomer])
        check(sorted(a["id"] for a in after["assignees"]) == expected, f"assignees {after['assignees']}")
        check(after.get("description") == before.get("description"), "the description changed")
        check(after.get("completion_subscribers") == before.get("completion_subscribers"), "subscribers changed")
        check(after["due_on"] == "2027-01-29", f"due {after['due_on']}")
        print(f"reassigned '{after['content']}' and moved it to {after['due_on']}; description and other assignee kept")

        await call(c, "basecamp_complete_todo", {"todo_id": target["id"]})
        done = await call(c, "basecamp_get_todo", {"todo_id": target["id"]})
        check(done["completed"] is True, "not completed")
        comment = await call(c, "basecamp_post_comment", {"recording_id": target["id"], "content": "Done — spec is in the vault."})
        comments, _ = await every(c, "basecamp_list_comments", {"recording_id": target["id"]})
        check(any(x["id"] == comment["id"] for x in comments), "the comment is not listed")
        print("completed it and commented")

        line = await call(c, "basecamp_post_chat_line", {"project_id": project["id"], "content": "Backlight spec is done 🎉"})
        recent = await call(c, "basecamp_list_chat_lines", {"project_id": project["id"], "limit": 5})
        check(recent["items"][0]["id"] == line["id"], "the new line is not the latest")
        print("posted to the Campfire")

        # A card in the second card table of a project that has two.
        board = next(p for p in projects if sum(t["name"] == "kanban_board" for t in p.get("tools", [])) >= 2)
        tables = (await call(c, "basecamp_list_card_tables", {"project_id": board["id"]}))["card_tables"]
        check(len(tables) >= 2, f"{len(tables)} card tables")
        second = tables[1]
        source = next(col for col in second["columns"] if col.get("cards_count", 0) > 0 and not col.get("done"))
        target_col = next(col for col in second["columns"] if col["id"] != source["id"] and col["type"] == "Kanban::Column")
        cards, _ = await every(c, "basecamp_list_cards", {"column_id": source["id"]})
        moved = await call(c, "basecamp_move_card", {"card_id": cards[0]["id"], "column_id": target_col["id"]})
        check(moved["column"]["id"] == target_col["id"], f"moved to {moved}")
        there, _ = await every(c, "basecamp_list_cards", {"column_id": target_col["id"]})
        check(any(x["id"] == cards[0]["id"] for x in there), "the card is not in its new column")
        print(f"moved card '{cards[0]['title']}' from {source['title']} to {target_col['title']} in '{second['title']}'")


asyncio.run(main())
