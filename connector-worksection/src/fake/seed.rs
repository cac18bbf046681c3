//! The seeded accounts. Small is written out by hand after the official examples (same
//! people, projects and ids where the examples have them); Large is Small plus generated
//! bulk from a fixed-seed RNG. Dates are relative to "now", so overdue tasks and
//! `get_events` periods behave the same on any day.

use std::sync::Arc;

use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::json;

use super::{
    model::{
        Assignee, Comment, Contact, Cost, File, Project, ProjectStatus, Relation, RelationKind,
        Store, Tag, TagGroup, TagScope, Task, Timer, User, UserGroup,
    },
    util::{DAY, pdf_like, png_8x8},
};

const HOUR: i64 = 3600;
const MINUTE: i64 = 60;

/// Seeds the small account.
pub fn small(now: i64, account_url: &str) -> Store {
    let mut b = Builder::new(now, account_url);
    b.small();
    b.store
}

/// Seeds the large account: the small one plus thousands of generated tasks.
pub fn large(now: i64, account_url: &str) -> Store {
    let mut b = Builder::new(now, account_url);
    b.small();
    b.bulk();
    b.store
}

// Users of the small account (ids and people from the official examples).
const HENRY: u64 = 3993;
const FRANK: u64 = 5514;
const KATE: u64 = 5686;
const OLENA: u64 = 5690;
const MARCO: u64 = 5694;
const BILL: u64 = 5698;

// Task tags.
const TO_DO: u64 = 72565;
const IN_PROGRESS: u64 = 72569;
const NEED_APPROVAL: u64 = 72573;
const DONE_TAG: u64 = 72577;
const BUG: u64 = 104_978;
const FEATURE: u64 = 104_982;
const DESIGN: u64 = 104_986;
const DEPLOYED: u64 = 104_990;
const DOING: u64 = 104_994;
const URGENT: u64 = 104_998;
// Project tags.
const INNER: u64 = 105_554;
const WIKI: u64 = 105_570;
const PAID: u64 = 105_118;
const CONTRACT: u64 = 105_126;
const IN_PROGRESS_P: u64 = 105_098;

struct Builder {
    store: Store,
    now: i64,
    png: Arc<[u8]>,
    pdf: Arc<[u8]>,
    txt: Arc<[u8]>,
}

fn user(id: u64, first: &str, last: &str, email: &str, title: &str, role: &str) -> User {
    User {
        id,
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        title: title.to_owned(),
        rate: 11,
        group: "Development".to_owned(),
        department: String::new(),
        role: role.to_owned(),
        email: email.to_owned(),
        phones: Vec::new(),
        address: None,
    }
}

fn project(id: u64, name: &str, author: u64, added: i64) -> Project {
    Project {
        id,
        name: name.to_owned(),
        status: ProjectStatus::Active,
        company: "Development".to_owned(),
        user_from: author,
        manager: None,
        text: String::new(),
        date_added: added,
        date_start: None,
        date_end: None,
        date_closed: None,
        options: [0; 14],
        max_time: None,
        max_money: None,
        tags: Default::default(),
        members: vec![author],
    }
}

const LOREM: [&str; 12] = [
    "The client asked for a shorter onboarding with fewer screens.",
    "We agreed to ship the first version before the end of the sprint.",
    "Numbers for the last quarter are in the shared spreadsheet.",
    "Please double-check the totals against the invoices.",
    "The staging server is updated every night at 02:00.",
    "Feedback from the design review is summarised below.",
    "Keep the old endpoints until every customer has migrated.",
    "Legal needs the final wording by Thursday.",
    "Support reported three tickets about the export button.",
    "The vendor confirmed the delivery date in writing.",
    "Budget: €1 200 for licences, the rest for contractors.",
    "Performance dropped after the last release; profiling shows the search query.",
];

impl Builder {
    fn new(now: i64, account_url: &str) -> Self {
        let txt: Vec<u8> =
            "Txt file\r\n\r\nLorem ipsum dolor sit amet, consectetur adipiscing elit. \
             Suspendisse vulputate facilisis pellentesque.\r\n\r\nSed laoreet sagittis massa, \
             vitae consectetur felis placerat in.\r\n"
                .as_bytes()
                .to_vec();
        Self {
            store: Store {
                account_url: account_url.to_owned(),
                owner: HENRY,
                ..Store::default()
            },
            now,
            png: png_8x8().into(),
            pdf: pdf_like().into(),
            txt: txt.into(),
        }
    }

    fn today(&self) -> i64 {
        self.now.div_euclid(DAY)
    }

    /// A moment `days` days and `hours` hours ago.
    fn ago(&self, days: i64, hours: i64) -> i64 {
        // Round to the minute: the API prints minutes only.
        let t = self.now - days * DAY - hours * HOUR;
        t - t.rem_euclid(MINUTE)
    }

    fn task(
        &mut self,
        project: u64,
        parent: Option<u64>,
        name: &str,
        author: u64,
        to: Assignee,
    ) -> u64 {
        let id = self.store.ids.task();
        let mut subscribers = vec![author];
        if let Assignee::User(u) = to
            && u != author
        {
            subscribers.push(u);
        }
        let added = self
            .store
            .projects
            .get(&project)
            .map(|p| p.date_added + HOUR)
            .unwrap_or(self.now - 20 * DAY);
        self.store.tasks.insert(
            id,
            Task {
                id,
                project,
                parent,
                name: name.to_owned(),
                done: false,
                priority: 1,
                user_from: author,
                user_to: to,
                text: String::new(),
                date_added: added + (id % 97) as i64 * 7 * MINUTE,
                date_start: None,
                date_end: None,
                time_start: None,
                time_end: None,
                date_closed: None,
                max_time: None,
                max_money: None,
                tags: Default::default(),
                subscribers,
                children: Vec::new(),
                comments: Vec::new(),
                files: Vec::new(),
            },
        );
        if let Some(p) = parent.and_then(|p| self.store.tasks.get_mut(&p)) {
            p.children.push(id);
        }
        id
    }

    fn edit(&mut self, id: u64, f: impl FnOnce(&mut Task)) {
        if let Some(t) = self.store.tasks.get_mut(&id) {
            f(t);
        }
    }

    fn close(&mut self, id: u64, days_ago: i64) {
        let at = self.ago(days_ago, 3);
        self.edit(id, |t| {
            t.done = true;
            t.date_closed = Some(at);
        });
    }

    fn comment(&mut self, task: u64, user: u64, text: &str, at: i64) -> u64 {
        let id = self.store.ids.comment();
        self.store.comments.insert(
            id,
            Comment {
                id,
                task,
                user_from: user,
                text: text.to_owned(),
                date_added: at,
                files: Vec::new(),
            },
        );
        if let Some(t) = self.store.tasks.get_mut(&task) {
            t.comments.push(id);
        }
        id
    }

    /// Attaches a file to a task, or to a comment when `comment` is given.
    fn file(&mut self, name: &str, bytes: Arc<[u8]>, task: u64, comment: Option<u64>, user: u64) {
        let id = self.store.ids.file();
        let project = self.store.tasks.get(&task).map(|t| t.project).unwrap_or(0);
        let at = comment
            .and_then(|c| self.store.comments.get(&c))
            .map(|c| c.date_added)
            .or_else(|| self.store.tasks.get(&task).map(|t| t.date_added))
            .unwrap_or(self.now);
        self.store.files.insert(
            id,
            File {
                id,
                name: name.to_owned(),
                bytes,
                project,
                task: comment.is_none().then_some(task),
                comment,
                user_from: user,
                date_added: at,
            },
        );
        match comment {
            Some(c) => {
                if let Some(c) = self.store.comments.get_mut(&c) {
                    c.files.push(id);
                }
            }
            None => {
                if let Some(t) = self.store.tasks.get_mut(&task) {
                    t.files.push(id);
                }
            }
        }
    }

    fn cost(&mut self, task: u64, user: u64, minutes: i64, cents: i64, days_ago: i64) -> u64 {
        let id = self.store.ids.cost();
        let date = self.today() - days_ago;
        self.store.costs.insert(
            id,
            Cost {
                id,
                task,
                user_from: user,
                comment: String::new(),
                minutes,
                money_cents: cents,
                date,
                is_timer: false,
            },
        );
        id
    }

    fn cost_note(&mut self, id: u64, comment: &str, is_timer: bool) {
        if let Some(c) = self.store.costs.get_mut(&id) {
            comment.clone_into(&mut c.comment);
            c.is_timer = is_timer;
        }
    }

    fn tag_group(&mut self, id: u64, scope: TagScope, title: &str, kind: &str, access: &str) {
        let id_group = match scope {
            TagScope::Task => (id - 99).to_string(),
            TagScope::Project => (i64::try_from(id).unwrap_or(0) - 101).to_string(),
        };
        self.store.tag_groups.push(TagGroup {
            id,
            scope,
            title: title.to_owned(),
            kind: kind.to_owned(),
            access: access.to_owned(),
            id_group,
        });
    }

    fn tag(&mut self, id: u64, group: u64, title: &str) {
        self.store.tags.insert(
            id,
            Tag {
                id,
                group,
                title: title.to_owned(),
            },
        );
    }

    fn small(&mut self) {
        self.people();
        self.tags();
        self.projects();
        self.tasks();
        self.timers_and_events();
    }

    fn people(&mut self) {
        let s = &mut self.store;
        let mut henry = user(
            HENRY,
            "Henry",
            "Gardner",
            "henry.gardner@ws.com",
            "developer",
            "Owner",
        );
        henry.rate = 25;
        henry.department = "Dev team".to_owned();
        henry.phones = vec!["+15852827023".to_owned(), "4 4950 234 45 90".to_owned()];
        henry.address = Some("Apt. 902 853 Simona Common, Pollybury, SC 98466-2410".to_owned());
        let mut frank = user(
            FRANK,
            "Frank",
            "Harper",
            "frank.harper@ws.com",
            "QA specialist",
            "Account admin",
        );
        frank.department = "Test team".to_owned();
        let mut kate = user(
            KATE,
            "Kate",
            "Greenway",
            "kate.greenway@ws.com",
            "Designer",
            "User",
        );
        kate.rate = 15;
        kate.department = "Design team".to_owned();
        let mut olena = user(
            OLENA,
            "Olena",
            "Kovalenko",
            "olena.kovalenko@ws.com",
            "Project manager",
            "Team admin",
        );
        olena.rate = 20;
        let mut marco = user(
            MARCO,
            "Marco",
            "Rossi",
            "marco.rossi@ws.com",
            "Backend developer",
            "User",
        );
        marco.rate = 18;
        marco.department = "Dev team".to_owned();
        let mut bill = user(
            BILL,
            "Bill",
            "Jones",
            "bill.jones@gmail.com",
            "Client contact",
            "Guest",
        );
        bill.group = "Singing bird".to_owned();
        bill.rate = 0;
        for u in [henry, frank, kate, olena, marco, bill] {
            s.users.insert(u.id, u);
        }
        s.ids.user = BILL;
        s.user_groups = vec![
            UserGroup {
                id: 2977,
                title: "Development".to_owned(),
                client: false,
            },
            UserGroup {
                id: 4186,
                title: "Singing bird".to_owned(),
                client: true,
            },
        ];
        s.folders = vec![(4302, "Design".to_owned())];
        s.contact_folders = vec![
            (4178, "Clients".to_owned()),
            (4182, "Contractors".to_owned()),
        ];
        let contact = |id,
                       first: &str,
                       last: &str,
                       title: &str,
                       group: &str,
                       email: Option<&str>,
                       phone: &str| Contact {
            id,
            first_name: first.to_owned(),
            last_name: last.to_owned(),
            title: title.to_owned(),
            group: group.to_owned(),
            email: email.map(str::to_owned),
            phones: if phone.is_empty() {
                Vec::new()
            } else {
                vec![phone.to_owned()]
            },
        };
        for c in [
            contact(
                5606,
                "Brian",
                "Dragonfly",
                "manager",
                "Clients",
                Some("brian.dragonfly@gmail.com"),
                "1 345 234 23 67",
            ),
            contact(
                5614,
                "Steve",
                "Powerhold",
                "",
                "Contractors",
                None,
                "1265 458 32 12",
            ),
            contact(
                5658,
                "Mike",
                "Shaw",
                "",
                "Clients",
                Some("mike.shaw@gmail.com"),
                "",
            ),
        ] {
            s.contacts.insert(c.id, c);
        }
    }

    fn tags(&mut self) {
        self.tag_group(100, TagScope::Task, "Basic workflow", "status", "public");
        self.tag_group(101, TagScope::Task, "General labels", "label", "public");
        self.tag_group(102, TagScope::Task, "Task results", "label", "private");
        self.tag(TO_DO, 100, "To-do");
        self.tag(IN_PROGRESS, 100, "In progress");
        self.tag(NEED_APPROVAL, 100, "Need approval");
        self.tag(DONE_TAG, 100, "Done");
        self.tag(BUG, 101, "bug");
        self.tag(FEATURE, 101, "feature");
        self.tag(DESIGN, 101, "design");
        self.tag(DEPLOYED, 101, "deployed");
        self.tag(DOING, 101, "doing");
        self.tag(URGENT, 101, "urgent");
        self.tag(105_002, 102, "approved");
        self.tag(105_006, 102, "rejected");
        self.tag_group(97, TagScope::Project, "Project status", "status", "public");
        self.tag_group(98, TagScope::Project, "Common labels", "label", "public");
        self.tag_group(99, TagScope::Project, "Internal labels", "label", "private");
        self.tag(105_114, 97, "Backlog");
        self.tag(IN_PROGRESS_P, 97, "In progress");
        self.tag(105_106, 97, "Paused");
        self.tag(105_110, 97, "Canceled");
        self.tag(105_102, 97, "Completed");
        self.tag(INNER, 98, "inner");
        self.tag(WIKI, 98, "wiki");
        self.tag(PAID, 98, "paid");
        self.tag(105_122, 98, "bill");
        self.tag(CONTRACT, 98, "contract");
        self.tag(105_574, 98, "app");
        self.tag(105_578, 99, "strategic");
    }

    fn projects(&mut self) {
        let today = self.today();
        let mut p = project(6622, "Performance improvement", HENRY, self.ago(30, 2));
        p.manager = Some(HENRY);
        p.text = "<p>Inner project for company <strong>KPI</strong> improvement.</p>\
                  <ul><li>Faster onboarding</li><li>Fewer support tickets</li></ul>"
            .to_owned();
        p.date_start = Some(today - 30);
        p.date_end = Some(today + 150);
        p.options = [1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1];
        p.max_time = Some(1200.0);
        p.max_money = Some(20400.0);
        p.tags = [INNER, WIKI, IN_PROGRESS_P].into_iter().collect();
        p.members = vec![HENRY, FRANK, KATE, OLENA, MARCO];
        self.store.projects.insert(p.id, p);

        let mut p = project(8562, "Owl brand launch", HENRY, self.ago(24, 5));
        p.company = "Singing bird".to_owned();
        p.manager = Some(KATE);
        p.text = "Brand launch for our client &laquo;Singing bird&raquo;.".to_owned();
        p.date_start = Some(today - 20);
        p.date_end = Some(today + 60);
        p.tags = [PAID, CONTRACT].into_iter().collect();
        p.members = vec![HENRY, KATE, FRANK, MARCO, OLENA, BILL];
        self.store.projects.insert(p.id, p);

        let mut p = project(8506, "Prototyping", KATE, self.ago(5, 6));
        p.status = ProjectStatus::Pending;
        p.company = "Design".to_owned();
        p.members = vec![KATE, OLENA];
        self.store.projects.insert(p.id, p);

        let mut p = project(6724, "Website redesign 2023", HENRY, self.ago(400, 1));
        p.status = ProjectStatus::Archive;
        p.manager = Some(FRANK);
        p.date_start = Some(today - 400);
        p.date_end = Some(today - 200);
        p.date_closed = Some(self.ago(190, 4));
        p.members = vec![HENRY, FRANK, KATE];
        self.store.projects.insert(p.id, p);
        self.store.ids.project = 8562;
    }

    #[allow(clippy::too_many_lines, reason = "the seed is a long, flat script")]
    fn tasks(&mut self) {
        let today = self.today();
        self.store.ids.task = 330_086;
        self.store.ids.comment = 19_074;
        self.store.ids.file = 17_346;
        self.store.ids.cost = 3_606;
        let (pi, owl, proto, web) = (6622, 8562, 8506, 6724);
        let u = Assignee::User;

        // ---- Performance improvement ----
        let ws = self.task(pi, None, "Worksection implementation", HENRY, Assignee::Any);
        self.edit(ws, |t| {
            t.text = "<p>Move every team to Worksection by the end of the month.</p>\
                      <ol><li>Import projects from the old tracker</li>\
                      <li>Set up <a href=\"https://worksection.com/en/faq/\">workflows</a></li>\
                      <li>Train the team &mdash; two sessions</li></ol>"
                .to_owned();
            t.date_start = Some(today - 14);
            t.date_end = Some(today + 10);
            t.tags = [IN_PROGRESS, FEATURE].into_iter().collect();
            t.subscribers = vec![HENRY, FRANK, KATE];
        });
        let c1 = self.comment(ws, FRANK, "", self.ago(13, 5));
        self.file("Text file.txt", self.txt.clone(), ws, Some(c1), FRANK);
        self.file(
            "Spreadsheet export.pdf",
            self.pdf.clone(),
            ws,
            Some(c1),
            FRANK,
        );
        let c2 = self.comment(ws, HENRY, "Added one more file needed", self.ago(12, 2));
        self.file("Image file.png", self.png.clone(), ws, Some(c2), HENRY);
        self.comment(
            ws,
            KATE,
            "Imported the design projects.\r\nStill missing: archive from 2022.",
            self.ago(3, 4),
        );
        self.comment(
            ws,
            HENRY,
            "Today we have a meetup. Please, prepare your department results.",
            self.ago(0, 2),
        );
        self.file("Requirements.txt", self.txt.clone(), ws, None, HENRY);

        let wf = self.task(pi, None, "Workflow revision", HENRY, u(FRANK));
        self.edit(wf, |t| {
            t.text = "Revise the dev team workflow.".to_owned();
            t.tags = [DONE_TAG].into_iter().collect();
        });
        self.close(wf, 2);
        self.comment(
            wf,
            FRANK,
            "Developed new workflow scheme for dev team",
            self.ago(3, 1),
        );

        let meetup = self.task(pi, None, "Team meetup", HENRY, u(HENRY));
        self.edit(meetup, |t| {
            t.date_start = Some(today + 2);
            t.date_end = Some(today + 2);
            t.time_start = Some("10:00".to_owned());
            t.time_end = Some("11:30".to_owned());
            t.tags = [TO_DO].into_iter().collect();
        });

        let tpl = self.task(pi, None, "Template creation", HENRY, Assignee::Noone);
        self.edit(tpl, |t| t.priority = 10);
        let proto_t = self.task(pi, Some(tpl), "Template prototype", HENRY, u(FRANK));
        self.edit(proto_t, |t| {
            t.priority = 2;
            t.text = "Take previous prototype as an example<ul><li>draft</li><li>first version</li><li>final result</li></ul>".to_owned();
            t.date_start = Some(today - 2);
            t.date_end = Some(today + 3);
            t.max_time = Some(15.0);
            t.max_money = Some(165.0);
            t.tags = [DESIGN].into_iter().collect();
        });
        let draft = self.task(pi, Some(proto_t), "Draft layout", FRANK, u(KATE));
        self.edit(draft, |t| t.date_end = Some(today + 1));
        let review = self.task(pi, Some(proto_t), "Review layout", FRANK, u(FRANK));
        self.close(review, 1);
        self.task(pi, Some(tpl), "Template styles", HENRY, u(KATE));

        self.task(pi, None, "Worksection docs", HENRY, Assignee::Noone);

        let kpi = self.task(pi, None, "Quarterly KPI report", HENRY, u(OLENA));
        self.edit(kpi, |t| {
            t.priority = 8;
            t.text =
                "<p>Collect the KPIs of every department &amp; compare with Q2.</p>".to_owned();
            t.date_start = Some(today - 10);
            t.date_end = Some(today - 3);
            t.tags = [NEED_APPROVAL, URGENT].into_iter().collect();
        });
        self.comment(kpi, OLENA, "Waiting for the sales numbers.", self.ago(4, 3));
        self.comment(
            kpi,
            HENRY,
            "Sales sent them yesterday, check your inbox.",
            self.ago(1, 6),
        );

        let onb = self.task(pi, None, "Onboarding checklist", OLENA, u(MARCO));
        self.edit(onb, |t| {
            t.text = "New hires follow this list:<ul><li>laptop</li><li>accounts</li><li>first-week buddy</li></ul>".to_owned();
            t.priority = 3;
        });
        let laptop = self.task(pi, Some(onb), "Prepare laptop", MARCO, u(MARCO));
        self.close(laptop, 4);
        self.task(pi, Some(onb), "Create accounts", MARCO, u(MARCO));

        let audit = self.task(pi, None, "Security audit", HENRY, u(FRANK));
        self.edit(audit, |t| {
            t.priority = 6;
            t.date_start = Some(today + 5);
            t.date_end = Some(today + 12);
            t.max_time = Some(40.0);
            t.max_money = Some(2000.0);
            t.tags = [TO_DO, BUG].into_iter().collect();
        });

        let office = self.task(pi, None, "Office move", OLENA, u(OLENA));
        let pack = self.task(pi, Some(office), "Pack equipment", OLENA, u(MARCO));
        self.close(pack, 9);
        self.close(office, 8);

        let budget = self.task(pi, None, "Budget planning", HENRY, u(OLENA));
        self.edit(budget, |t| {
            t.priority = 5;
            t.date_end = Some(today + 1);
        });
        let survey = self.task(pi, None, "Customer survey", OLENA, u(MARCO));
        self.task(pi, Some(survey), "Draft questions", OLENA, u(OLENA));
        self.task(pi, Some(survey), "Send survey", OLENA, u(MARCO));

        // ---- Owl brand launch ----
        let dev = self.task(owl, None, "Development", HENRY, u(HENRY));
        self.edit(dev, |t| {
            t.priority = 7;
            t.text = "Business logic programming".to_owned();
            t.date_start = Some(today - 10);
            t.date_end = Some(today + 20);
            t.time_start = Some("08:00".to_owned());
            t.time_end = Some("18:00".to_owned());
            t.max_time = Some(352.0);
            t.max_money = Some(5280.0);
            t.subscribers = vec![HENRY, FRANK];
            t.tags = [IN_PROGRESS].into_iter().collect();
        });
        self.file(
            "Development requirements.pdf",
            self.pdf.clone(),
            dev,
            None,
            HENRY,
        );
        for (who, text, d, h) in [
            (HENRY, "Updated development requirements", 9, 6),
            (FRANK, "Need your help with first section", 9, 5),
            (FRANK, "And what about development environment?", 9, 4),
            (HENRY, "As usual", 9, 3),
            (FRANK, "Thanks, first section done", 8, 1),
            (
                KATE,
                "Logo files are in the brand book task.\r\nUse the SVG versions.",
                2,
                2,
            ),
        ] {
            let at = self.ago(d, h);
            self.comment(dev, who, text, at);
        }
        let s1 = self.task(owl, Some(dev), "Sprint 1", HENRY, u(HENRY));
        self.task(owl, Some(s1), "Subsprint 1.1", HENRY, u(HENRY));
        let s12 = self.task(owl, Some(s1), "Subsprint 1.2", HENRY, u(MARCO));
        self.close(s12, 3);
        self.task(owl, Some(dev), "Sprint 2", HENRY, u(MARCO));
        let prt = self.task(owl, None, "Prototyping", HENRY, u(KATE));
        self.edit(prt, |t| {
            t.date_start = Some(today - 12);
            t.date_end = Some(today - 7);
        });
        let testing = self.task(owl, None, "Testing", HENRY, u(FRANK));
        self.edit(testing, |t| {
            t.date_start = Some(today + 21);
            t.date_end = Some(today + 28);
        });
        self.store.relations.push(Relation {
            before: prt,
            after: dev,
            kind: RelationKind::FinishToStart,
        });
        self.store.relations.push(Relation {
            before: dev,
            after: testing,
            kind: RelationKind::FinishToStart,
        });
        let logo = self.task(owl, None, "Logo concepts", KATE, u(KATE));
        self.file("Logo draft.png", self.png.clone(), logo, None, KATE);
        self.close(logo, 6);
        let book = self.task(owl, None, "Brand book", KATE, u(KATE));
        self.edit(book, |t| {
            t.tags = [DESIGN, IN_PROGRESS].into_iter().collect()
        });
        let c = self.comment(
            book,
            BILL,
            "Our legal team approved the colours.",
            self.ago(1, 3),
        );
        self.file("Approval.pdf", self.pdf.clone(), book, Some(c), BILL);
        let copy = self.task(owl, None, "Landing page copy", KATE, u(BILL));
        self.edit(copy, |t| t.date_end = Some(today + 4));
        self.store.relations.push(Relation {
            before: book,
            after: copy,
            kind: RelationKind::StartToStart,
        });
        self.task(owl, None, "Social media kit", KATE, Assignee::Any);
        self.task(owl, None, "Press release", OLENA, u(OLENA));
        let launch = self.task(owl, None, "Launch event", HENRY, u(HENRY));
        self.edit(launch, |t| t.date_end = Some(today + 30));
        self.task(owl, Some(launch), "Book venue", HENRY, u(OLENA));
        self.task(owl, None, "Vendor contracts", HENRY, u(HENRY));

        // ---- Prototyping (pending) ----
        self.task(proto, None, "Wireframes", KATE, u(KATE));
        let interviews = self.task(proto, None, "User interviews", KATE, u(OLENA));
        self.task(proto, Some(interviews), "Interview script", OLENA, u(OLENA));

        // ---- Website redesign 2023 (archived) ----
        for name in ["Homepage mockups", "Migrate blog", "Analytics setup"] {
            let t = self.task(web, None, name, HENRY, u(FRANK));
            self.close(t, 200);
        }

        // ---- costs ----
        let c = self.cost(wf, FRANK, 410, 7517, 6);
        self.cost_note(c, "Developed new workflow scheme for dev team", true);
        let c = self.cost(ws, HENRY, 202, 0, 4);
        self.cost_note(c, "", false);
        let c = self.cost(ws, KATE, 90, 2250, 3);
        self.cost_note(c, "Import of design projects", false);
        let c = self.cost(kpi, OLENA, 150, 5000, 2);
        self.cost_note(c, "Collected department KPIs", false);
        let c = self.cost(dev, HENRY, 480, 12000, 1);
        self.cost_note(c, "Business logic, first section", false);
        let c = self.cost(dev, FRANK, 135, 0, 1);
        self.cost_note(c, "Test environment", true);
        let c = self.cost(dev, MARCO, 300, 5400, 0);
        self.cost_note(c, "API endpoints", false);
        let c = self.cost(proto_t, FRANK, 45, 0, 0);
        self.cost_note(c, "Prototype review", true);
        let c = self.cost(book, KATE, 240, 6000, 5);
        self.cost_note(c, "Colour palette", false);
        let c = self.cost(logo, KATE, 360, 9000, 7);
        self.cost_note(c, "Three logo concepts", false);
        let c = self.cost(audit, FRANK, 0, 50000, 0);
        self.cost_note(c, "Penetration test licence", false);
        let c = self.cost(meetup, HENRY, 30, 0, 10);
        self.cost_note(c, "Agenda", false);
    }

    fn timers_and_events(&mut self) {
        let now = self.now;
        self.store.ids.timer = 2914;
        let id = self.store.ids.timer();
        // Frank's timer runs on "Development" (not the owner's, so start_my_timer works
        // for the owner out of the box).
        let dev = self
            .store
            .tasks
            .values()
            .find(|t| t.name == "Development")
            .map(|t| t.id)
            .unwrap_or(0);
        self.store.timers.insert(
            id,
            Timer {
                id,
                user: FRANK,
                task: dev,
                started: now - 72 * MINUTE - 13,
            },
        );
        let find = |s: &Store, name: &str| {
            s.tasks
                .values()
                .find(|t| t.name == name)
                .map(|t| t.id)
                .unwrap_or(0)
        };
        let proto_at = self.ago(5, 6);
        self.store.push_event(
            "post",
            "project",
            8506,
            KATE,
            proto_at,
            Some(json!({"title": "Prototyping", "user_to": self.store.manager_json(None)})),
        );
        let comments: Vec<(u64, u64, String, i64)> = self
            .store
            .comments
            .values()
            .filter(|c| c.date_added >= now - 5 * DAY)
            .map(|c| (c.id, c.user_from, c.text.clone(), c.date_added))
            .collect();
        for (id, user, text, at) in comments {
            self.store
                .push_event("post", "comment", id, user, at, Some(json!({"text": text})));
        }
        let audit = find(&self.store, "Security audit");
        let at = self.ago(2, 5);
        let any = self.store.assignee_json(Assignee::Any);
        let frank = self.store.user_json(FRANK);
        self.store.push_task_update(
            audit,
            HENRY,
            at,
            json!({"priority": "6", "user_to": frank}),
            json!({"priority": "1", "user_to": any}),
        );
        for (name, user, days) in [
            ("Workflow revision", FRANK, 2),
            ("Review layout", FRANK, 1),
            ("Subsprint 1.2", MARCO, 3),
        ] {
            let id = find(&self.store, name);
            let at = self.ago(days, 3);
            self.store.push_event("close", "task", id, user, at, None);
        }
        // "Press release" was posted a few hours ago.
        let press = find(&self.store, "Press release");
        let at = self.ago(0, 5);
        self.edit(press, |t| t.date_added = at);
        let to = self.store.user_json(OLENA);
        self.store.push_event(
            "post",
            "task",
            press,
            OLENA,
            at,
            Some(json!({"title": "Press release", "user_to": to})),
        );
        self.store.events.sort_by_key(|e| e.date_added);
    }

    // ---- the large account ----

    #[allow(
        clippy::too_many_lines,
        reason = "one generator, easier to read in one piece"
    )]
    fn bulk(&mut self) {
        let mut rng = StdRng::seed_from_u64(0x005E_ED0F_3993);
        let today = self.today();
        const FIRST: [&str; 12] = [
            "Anna", "Boris", "Chloe", "Dmytro", "Emma", "Felix", "Greta", "Hugo", "Ines", "Jonas",
            "Lea", "Mateo",
        ];
        const LAST: [&str; 8] = [
            "Novak", "Schmidt", "Moreau", "Silva", "Berg", "Kowalski", "Rossi", "Lund",
        ];
        let mut team: Vec<u64> = vec![HENRY, FRANK, KATE, OLENA, MARCO];
        for i in 0..24 {
            let id = self.store.ids.user();
            let (first, last) = (FIRST[i % FIRST.len()], LAST[(i / 3) % LAST.len()]);
            let email = format!(
                "{}.{}{}@ws.com",
                first.to_lowercase(),
                last.to_lowercase(),
                i
            );
            let role = match i % 8 {
                0 => "Guest",
                5 => "Reader",
                _ => "User",
            };
            let mut u = user(id, first, last, &email, "Specialist", role);
            u.rate = 10 + (i as u32 % 5) * 5;
            self.store.users.insert(id, u);
            if role == "User" {
                team.push(id);
            }
        }
        const CODENAMES: [&str; 14] = [
            "Atlas", "Beacon", "Cobalt", "Delta", "Ember", "Falcon", "Granite", "Harbor",
            "Juniper", "Keystone", "Meridian", "Nimbus", "Orion", "Zephyr",
        ];
        const KINDS: [&str; 3] = ["website", "CRM rollout", "mobile release"];
        const VERBS: [&str; 12] = [
            "Review",
            "Update",
            "Prepare",
            "Design",
            "Implement",
            "Test",
            "Deploy",
            "Document",
            "Plan",
            "Audit",
            "Migrate",
            "Refactor",
        ];
        const NOUNS: [&str; 12] = [
            "invoice template",
            "landing page",
            "API gateway",
            "onboarding flow",
            "sales report",
            "pricing page",
            "data export",
            "backup policy",
            "newsletter",
            "billing module",
            "search index",
            "CRM integration",
        ];
        let labels = [BUG, FEATURE, DESIGN, DEPLOYED, DOING, URGENT];
        let statuses = [TO_DO, IN_PROGRESS, NEED_APPROVAL];
        let mut comment_n = 0usize;
        for pi in 0..42usize {
            let id = self.store.ids.project();
            let name = format!(
                "{} {}",
                CODENAMES[pi % CODENAMES.len()],
                KINDS[pi / CODENAMES.len() % KINDS.len()]
            );
            let author = team[pi % team.len()];
            let mut p = project(id, &name, author, self.ago(60 + (pi as i64 % 30), 2));
            p.manager = Some(team[(pi + 1) % team.len()]);
            p.status = match pi % 10 {
                7 => ProjectStatus::Pending,
                9 => ProjectStatus::Archive,
                _ => ProjectStatus::Active,
            };
            if p.status == ProjectStatus::Archive {
                p.date_closed = Some(self.ago(10, 0));
            }
            p.date_start = Some(today - 60);
            p.date_end = Some(today + 90);
            p.members = (0..6).map(|k| team[(pi + k) % team.len()]).collect();
            p.text = format!("<p>{name}: delivery plan and budget.</p>");
            let members = p.members.clone();
            self.store.projects.insert(id, p);
            for ti in 0..45usize {
                let pick = |rng: &mut StdRng| members[rng.random_range(0..members.len())];
                let name = format!(
                    "{} {} #{}",
                    VERBS[rng.random_range(0..VERBS.len())],
                    NOUNS[rng.random_range(0..NOUNS.len())],
                    ti + 1
                );
                let (from, to) = (pick(&mut rng), pick(&mut rng));
                let t = self.task(id, None, &name, from, Assignee::User(to));
                let long = ti % 7 == 0;
                let text = if long {
                    long_html(&mut rng, &name, ti)
                } else {
                    format!("<p>{}</p>", LOREM[rng.random_range(0..LOREM.len())])
                };
                let start = today - rng.random_range(0..40);
                let end = start + rng.random_range(1..30);
                let priority = rng.random_range(0..=10u8);
                let mut tags = vec![statuses[rng.random_range(0..statuses.len())]];
                if rng.random_bool(0.4) {
                    tags.push(labels[rng.random_range(0..labels.len())]);
                }
                self.edit(t, |task| {
                    task.text = text;
                    task.priority = priority;
                    task.date_start = Some(start);
                    task.date_end = Some(end);
                    task.tags = tags.into_iter().collect();
                });
                for ci in 0..rng.random_range(0..6) {
                    let who = pick(&mut rng);
                    let text = if ci % 3 == 1 {
                        format!("{}\r\n{}", LOREM[(ti + ci) % 12], LOREM[(ti + ci + 5) % 12])
                    } else {
                        LOREM[(ti * 3 + ci) % 12].to_owned()
                    };
                    let at = self.ago(rng.random_range(0..30), rng.random_range(0..24));
                    let c = self.comment(t, who, &text, at);
                    comment_n += 1;
                    if comment_n.is_multiple_of(25) {
                        let (fname, bytes) = match comment_n % 3 {
                            0 => (format!("Screenshot {comment_n}.png"), self.png.clone()),
                            1 => (format!("Notes {comment_n}.txt"), self.txt.clone()),
                            _ => (format!("Report {comment_n}.pdf"), self.pdf.clone()),
                        };
                        self.file(&fname, bytes, t, Some(c), who);
                    }
                }
                for _ in 0..rng.random_range(0..3) {
                    let who = pick(&mut rng);
                    let minutes = rng.random_range(15..480);
                    let days = rng.random_range(0..30);
                    let cents = if rng.random_bool(0.5) {
                        minutes * 25
                    } else {
                        0
                    };
                    self.cost(t, who, minutes, cents, days);
                }
                // Subtasks: 0-3 per task, and some of those with one of their own.
                for si in 0..(ti % 4) {
                    let (from, to) = (pick(&mut rng), pick(&mut rng));
                    let sub = self.task(
                        id,
                        Some(t),
                        &format!("Step {} of {name}", si + 1),
                        from,
                        Assignee::User(to),
                    );
                    let done = rng.random_bool(0.3);
                    if rng.random_bool(0.3) {
                        let at = self.ago(rng.random_range(0..20), 1);
                        self.comment(sub, to, LOREM[(si + ti) % 12], at);
                        comment_n += 1;
                    }
                    if (ti + si) % 3 == 0 {
                        let subsub = self.task(
                            id,
                            Some(sub),
                            &format!("Check step {}", si + 1),
                            to,
                            Assignee::User(from),
                        );
                        if done {
                            self.close(subsub, 2);
                        }
                    }
                    if done {
                        self.close(sub, 1);
                    }
                }
            }
        }
        // Recent activity for get_events.
        let ids: Vec<u64> = self.store.tasks.keys().copied().collect();
        for _ in 0..300 {
            let id = ids[rng.random_range(0..ids.len())];
            let at = self.ago(rng.random_range(0..7), rng.random_range(0..24));
            let user = team[rng.random_range(0..team.len())];
            let priority = rng.random_range(0..=10u8).to_string();
            self.store.push_event(
                "update",
                "task",
                id,
                user,
                at,
                Some(json!({"priority": priority})),
            );
        }
        self.store.events.sort_by_key(|e| e.date_added);
    }
}

/// A long description (several KB) with headings, lists, links and entities.
fn long_html(rng: &mut StdRng, name: &str, n: usize) -> String {
    let mut out = format!(
        "<h2>{name}</h2><p>Owner&rsquo;s note: this brief is the single source of truth &mdash; \
         see the <a href=\"https://docs.example.com/briefs/{n}\">brief archive</a>.</p>"
    );
    for section in ["Context", "Scope", "Risks", "Acceptance criteria"] {
        out.push_str(&format!("<h3>{section}</h3><p>"));
        for _ in 0..6 {
            out.push_str(LOREM[rng.random_range(0..LOREM.len())]);
            out.push(' ');
        }
        out.push_str("</p><ul>");
        for k in 0..5 {
            out.push_str(&format!(
                "<li>Item {k}: R&amp;D &laquo;{}&raquo; &lt;{}&gt; costs &euro;{}&nbsp;000</li>",
                LOREM[(n + k) % LOREM.len()].trim_end_matches('.'),
                section.to_lowercase(),
                k + 1
            ));
        }
        out.push_str("</ul>");
    }
    out.push_str(
        "<p><strong>Links:</strong> <a href=\"https://example.com/spec\">spec</a>, \
         <a href=\"https://example.com/board\">board</a><br>Questions &rarr; the project chat.</p>",
    );
    out
}
