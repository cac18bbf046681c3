"""A dispatcher's morning through the Python MCP SDK (PyPI `mcp`) against `switchboard demo`.

Usage: scenario_servicefusion.py MCP_URL TOKEN
Lists the ServiceFusion tools, finds a customer by phone, reads their job history and open
estimates, sees who is on a job, creates a customer and a job for them, and reads the job
back. Exits non-zero with a message on the first deviation; prints one line per step.
"""

import asyncio
import sys

from scenario import call, check, connect, text_of, tool_names


async def main():
    url, token = sys.argv[1], sys.argv[2]
    async with connect(url, token) as c:
        names = await tool_names(c, "servicefusion_")
        check(len(names) >= 25, f"only {len(names)} servicefusion tools: {names}")
        print(f"tools: {len(names)} servicefusion tools")

        # A caller with a quote outstanding phones in: find them by the number they call from.
        statuses = await call(c, "servicefusion_list_job_statuses", {})
        open_names = [x["name"] for x in statuses["items"] if x["category"].startswith("OPEN")]
        quoted = await call(c, "servicefusion_list_estimates", {"status": open_names, "limit": 10})
        check(quoted["items"], "no open estimate in the account")
        caller = await call(c, "servicefusion_get_customer", {"customer": quoted["items"][0]["customer"]["id"]})
        phone = next(p for ct in caller["contacts"] for p in ct.get("phones", [])).split(" ")[0]
        found = await call(c, "servicefusion_search_customers", {"phone": phone[-8:]})
        match = [x for x in found["items"] if x["id"] == caller["id"]]
        check(match, f"searching {phone[-8:]} did not find customer {caller['id']}: {found}")
        customer = match[0]
        print(f"found by phone {phone}: {customer['name']} (id {customer['id']})")

        history = await call(c, "servicefusion_list_customer_jobs", {"customer": customer["id"]})
        check(all(j["customer"]["id"] == customer["id"] for j in history["items"]), "another customer's job in the history")
        print(f"job history: {history['total']} jobs, newest {history['items'][0]['start_date'] if history['items'] else 'none'}")

        estimates = await call(c, "servicefusion_list_open_estimates", {"customer": customer["name"]})
        check(any(e["id"] == quoted["items"][0]["id"] for e in estimates["items"]), f"open estimates {estimates}")
        check(all(e["status"] in open_names for e in estimates["items"]), "a closed estimate among the open ones")
        print(f"open estimates: {estimates['total']} ({', '.join(e['number'] + ' ' + e['status'] for e in estimates['items'])})")

        # Who is on a job: one with technicians assigned.
        jobs = await call(c, "servicefusion_list_jobs", {"customer_name": customer["name"], "limit": 20})
        job_id = next((j["id"] for j in jobs["items"] if j.get("techs")), jobs["items"][0]["id"])
        job = await call(c, "servicefusion_get_job", {"job_id": job_id, "include": ["techs", "visits"]})
        techs = [t["name"] for t in job.get("techs", [])]
        check(techs, f"job {job_id} shows no technician: {job}")
        print(f"job {job['number']}: {', '.join(techs)}")

        # A new customer and their first job, read back.
        new = await call(
            c,
            "servicefusion_create_customer",
            {
                "customer_name": "Okafor Family Dental",
                "contacts": [{"first_name": "Ngozi", "last_name": "Okafor", "is_primary": True,
                              "phones": [{"number": "512-555-0123", "type": "Work"}],
                              "emails": ["office@okafor-dental.example"]}],
                "locations": [{"street_1": "2100 S Lamar Blvd", "city": "Austin", "state": "TX",
                               "postal_code": "78704", "is_primary": True}],
            },
        )
        print(f"created customer {new['name']} (id {new['id']})")
        created = await call(
            c,
            "servicefusion_create_job",
            {"customer": new["id"], "description": "AC not cooling in exam room 2",
             "priority": "High", "techs": [techs[0]], "start_date": "2027-01-12",
             "time_frame_start": "09:00", "time_frame_end": "11:00"},
        )
        back = await call(c, "servicefusion_get_job", {"job_id": created["id"]})
        check(back["customer"]["id"] == new["id"], f"the job belongs to {back['customer']}")
        check([t["name"] for t in back.get("techs", [])] == [techs[0]], f"techs {back.get('techs')}")
        check(back["description"] == "AC not cooling in exam room 2", f"description {back}")
        print(f"job {back['number']} for {back['customer']['name']} read back with {techs[0]} assigned")

        # A status the company does not use is refused, naming where to look.
        bad = await c.call_tool("servicefusion_create_job", {"customer": new["id"], "status": "Teleported"})
        text = text_of(bad)
        check(bad.is_error and "servicefusion_list_job_statuses" in text, f"an unknown status gave {text}")
        print("an unknown status is refused with where to look")


asyncio.run(main())
