//! The seeded account, "Honcho Design": twelve people (owner, admins, employees, one
//! client) and seven projects with full docks (five active, one archived, one trashed).
//! The big project holds a 327-item to-do list, a busy message board, a 140-line Campfire,
//! a schedule around today and a vault with nested folders; a second project has two card
//! tables. Texts are real rich text (mentions, links, lists, inline files) so shaping
//! matters. Everything comes from a fixed-seed RNG and dates relative to `today`, so the
//! same day gives the same account.

use chrono::{Duration, NaiveDate};
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::json;

use super::{
    SeedIds,
    model::{
        Attachment, ColumnKind, Completion, FileInfo, Kind, Person, Recording, Span, Status, Store,
    },
    rich,
    util::{
        DAY_MS, HOUR_MS, MINUTE_MS, Millis, day_start, escape_html, plain_text, sha256_hex,
        signed_gid,
    },
};

/// The size of the big to-do list: past three geared pages and into the fourth.
pub const BIG_LIST_LEN: usize = 327;
/// Lines in the big project's Campfire.
pub const MAIN_CHAT_LINES: usize = 140;

const HONCHO: (i64, &str) = (1_033_447_817, "Honcho Design");
const LETO: (i64, &str) = (1_033_447_818, "Leto Brand");

struct PersonSeed {
    name: &'static str,
    email: &'static str,
    title: &'static str,
    bio: Option<&'static str>,
    location: Option<&'static str>,
    /// (admin, owner, client, employee)
    roles: (bool, bool, bool, bool),
    time_zone: &'static str,
}

const PEOPLE: [PersonSeed; 12] = [
    PersonSeed {
        name: "Victor Cooper",
        email: "victor@honchodesign.com",
        title: "Chief Strategist",
        bio: Some("Don\u{2019}t let your dreams be dreams"),
        location: Some("Chicago, IL"),
        roles: (true, true, false, true),
        time_zone: "America/Chicago",
    },
    PersonSeed {
        name: "Annie Bryan",
        email: "annie@honchodesign.com",
        title: "Central Markets Manager",
        bio: Some("To open a store is easy, to keep it open is an art"),
        location: None,
        roles: (true, false, false, true),
        time_zone: "America/Chicago",
    },
    PersonSeed {
        name: "Amy Rivera",
        email: "amy@honchodesign.com",
        title: "Central Web Coordinator",
        bio: Some("I never said most of the things I said"),
        location: None,
        roles: (false, false, false, false),
        time_zone: "America/Chicago",
    },
    PersonSeed {
        name: "Andrew Wong",
        email: "andrew@honchodesign.com",
        title: "Senior Product Designer",
        bio: None,
        location: Some("Portland, OR"),
        roles: (false, false, false, true),
        time_zone: "America/Los_Angeles",
    },
    PersonSeed {
        name: "Cheryl Walters",
        email: "cheryl@honchodesign.com",
        title: "People Operations Lead",
        bio: Some("Ask me about the new benefits"),
        location: None,
        roles: (true, false, false, true),
        time_zone: "America/Chicago",
    },
    PersonSeed {
        name: "Mark Campbell",
        email: "mark@honchodesign.com",
        title: "Principal Markets Supervisor",
        bio: None,
        location: None,
        roles: (false, false, false, false),
        time_zone: "America/New_York",
    },
    PersonSeed {
        name: "Matt Donahue",
        email: "matt@honchodesign.com",
        title: "Global Data Strategist",
        bio: None,
        location: None,
        roles: (false, false, false, false),
        time_zone: "America/Chicago",
    },
    PersonSeed {
        name: "Sharon Bradford",
        email: "sharon@honchodesign.com",
        title: "Principal Branding Administrator",
        bio: None,
        location: None,
        roles: (false, false, false, false),
        time_zone: "America/Chicago",
    },
    PersonSeed {
        name: "Steve Marsh",
        email: "steve@honchodesign.com",
        title: "Legacy Directives Strategist",
        bio: Some("You can do it!"),
        location: None,
        roles: (false, false, false, true),
        time_zone: "America/Chicago",
    },
    PersonSeed {
        name: "Tashia Hughes",
        email: "tashia@honchodesign.com",
        title: "Hardware Engineer",
        bio: None,
        location: Some("Austin, TX"),
        roles: (false, false, false, true),
        time_zone: "America/Chicago",
    },
    PersonSeed {
        name: "José Núñez",
        email: "jose@honchodesign.com",
        title: "Firmware Developer",
        bio: Some("Hago que los LEDs parpadeen"),
        location: Some("Guadalajara, MX"),
        roles: (false, false, false, true),
        time_zone: "America/Mexico_City",
    },
    PersonSeed {
        name: "Ines Leto",
        email: "ines@letobrand.com",
        title: "VP Product, Leto Brand",
        bio: None,
        location: Some("Milan, IT"),
        roles: (false, false, true, false),
        time_zone: "Europe/Rome",
    },
];

const VERBS: [&str; 25] = [
    "Draft",
    "Review",
    "Finalize",
    "Order",
    "Test",
    "Benchmark",
    "Photograph",
    "Translate",
    "Approve",
    "Schedule",
    "Ship",
    "Audit",
    "Update",
    "Prototype",
    "Sketch",
    "Record",
    "Negotiate",
    "Localize",
    "Polish",
    "Document",
    "Verify",
    "Measure",
    "Certify",
    "Package",
    "Present",
];

const OBJECTS: [&str; 25] = [
    "the keyboard backlight spec",
    "battery life claims",
    "press kit photos",
    "retail packaging",
    "the hinge stress test",
    "thermal profile at 35°C",
    "the launch-day landing page",
    "the unboxing video",
    "FCC paperwork",
    "the warranty terms",
    "spare parts inventory",
    "the accessory bundle",
    "trackpad haptics",
    "the Leto logo placement",
    "firmware 1.4 release notes",
    "regional pricing",
    "the reseller FAQ",
    "screen calibration",
    "the retail demo loop",
    "speaker tuning",
    "charger compliance",
    "support macros",
    "the launch email",
    "the influencer shortlist",
    "the spec sheet",
];

const COMMENTS: [&str; 16] = [
    "<div>On it. I'll have something by end of day.</div>",
    "<div>Looks good to me 👍</div>",
    "<div>Can we push this to next week? The vendor is <em>still</em> waiting on samples.</div>",
    "<div>Done, see the <a href=\"https://docs.honchodesign.com/leto/checklist\">checklist</a>.</div>",
    "<div>I left a few notes inline:<ul><li>tighten the intro</li><li>numbers need sources</li></ul></div>",
    "<div>Yeah! Great job everyone! Super excited to get going!</div>",
    "<div>Not sure this is the right call. Let's talk tomorrow at standup.</div>",
    "<div>Updated the numbers, the margin is now <strong>41%</strong>.</div>",
    "<div>Blocked on legal. Ping me when they reply.</div>",
    "<div>Photos are in Docs &amp; Files under <em>Brand assets</em>.</div>",
    "<div>+1, ship it.</div>",
    "<div>I talked to the factory: 3-week lead time, not 2.</div>",
    "<div>Moved the review to Thursday so Ines can join.</div>",
    "<div>Reminder: the press embargo lifts at 9am ET.</div>",
    "<div>Here's the revised draft.<br><br>Let me know what you think.</div>",
    "<div>This one is trickier than it looks, pairing with Tashia on it.</div>",
];

const MESSAGES: [(&str, &str); 15] = [
    (
        "We won Leto!",
        "<div>Hey guys,<br><br>We won the Leto account! This is huge for us, it really marks a turning point for the company.<br><br>As you know we've been pursuing bigger clients for a while. {m1} and {m2} did amazing work on the pitch.</div>",
    ),
    (
        "Laptop high res glamour shots",
        "<div>Here are some high res shots of the laptop hardware that we can use. These are <strong>not public yet</strong>, so be careful with how you share them.</div><div>{img}</div>",
    ),
    (
        "Kickoff agenda",
        "<div><strong>Agenda</strong><ol><li>Goals for the quarter</li><li>Who owns what</li><li>Open questions from {m1}</li></ol></div>",
    ),
    (
        "Launch date moved to the 14th",
        "<div>Heads up: the factory slipped a week, so we're launching on the 14th. {m1}, can you update the landing page copy?</div>",
    ),
    (
        "Packaging direction: option B",
        "<div>After the review we're going with <em>option B</em> (matte, embossed logo). Mockups attached.<br>{pdf}</div>",
    ),
    (
        "Weekly status: hardware",
        "<div><ul><li>Hinge test passed 20k cycles</li><li>Thermal still 3°C over target</li><li>Speaker tuning in progress with {m1}</li></ul></div>",
    ),
    (
        "Retail partner FAQ",
        "<div>Collected the questions the resellers keep asking. Please add what I missed in the <a href=\"https://docs.honchodesign.com/leto/faq\">FAQ doc</a>.</div>",
    ),
    (
        "Press list for the launch",
        "<div>{m1} put together the list. We have 42 outlets, 11 confirmed for the embargoed briefing.</div>",
    ),
    (
        "Q&A with the Leto team",
        "<div>Ines will join us Thursday for an open Q&amp;A. Bring questions!<br><br><blockquote>No question is too small.</blockquote></div>",
    ),
    (
        "Battery claims: what we can say",
        "<div>Legal approved <strong>\"up to 14 hours\"</strong>. We cannot say \"all-day battery\" in the EU.</div>",
    ),
    (
        "Demo loop v3",
        "<div>New demo loop for stores is up. 90 seconds, no audio. Feedback by Friday please, {m1}.</div>",
    ),
    (
        "Firmware 1.4 is out",
        "<div>Release notes: <a href=\"https://docs.honchodesign.com/leto/fw-1.4\">fw-1.4</a>. Fixes the trackpad wake bug. Thanks {m1}!</div>",
    ),
    (
        "Offsite planning",
        "<div>We're looking at the week of the 20th. Vote in the comments.</div>",
    ),
    (
        "Support macros ready",
        "<div>{m1} wrote 24 macros for launch week. They're in the help desk under <em>Leto</em>.</div>",
    ),
    (
        "Retro: what went well",
        "<div><h1>Retro</h1><ul><li>Shipping on time (almost)</li><li>The pitch deck</li><li>Working with {m1}</li></ul></div>",
    ),
];

const CHAT_LINES: [&str; 30] = [
    "Morning all ☕",
    "Anyone seen the new hinge samples?",
    "They're on my desk",
    "I'm hungry",
    "Standup in 5",
    "Pushed the new landing page to staging",
    "👏 🎉",
    "Factory call moved to 3pm",
    "Can someone review my PR?",
    "lunch?",
    "The demo loop is looping a bit too fast",
    "Legal said yes to the battery wording",
    "Heading out, back tomorrow",
    "Who has the conference room booked?",
    "Shipping labels printed",
    "That build is green now",
    "Thermal test round 3 starts tomorrow",
    "Nice work on the press kit!",
    "Coffee machine is broken again",
    "FYI the VPN is flaky today",
    "Photos uploaded to Docs & Files",
    "We're over budget on packaging by 4%",
    "Ines loved the mockups",
    "Remind me to call the reseller",
    "Pizza Friday confirmed 🍕",
    "New firmware flashed on all demo units",
    "Is the FCC paperwork filed?",
    "Yes, filed yesterday",
    "Going to grab the samples from the post office",
    "Thanks!",
];

const DOCUMENTS: [(&str, &str); 6] = [
    (
        "Launch plan",
        "<div><h1>Launch plan</h1><strong>Goal:</strong> 10,000 pre-orders in the first week.<br><br><ol><li>Embargoed briefings</li><li>Launch email to the waitlist</li><li>Retail demo loop in 120 stores</li></ol>Owner: {m1}</div>",
    ),
    (
        "Brand voice",
        "<div>We are <em>confident, warm and brief</em>.<ul><li>Say \"laptop\", never \"notebook\"</li><li>No exclamation marks in headlines</li></ul>{img}</div>",
    ),
    (
        "Meeting notes: factory visit",
        "<div>Visited the Shenzhen line with {m1}.<br><br><strong>Findings</strong><ul><li>Hinge torque varies ±8%</li><li>Packaging line ready in 2 weeks</li></ul>Full report: {pdf}</div>",
    ),
    (
        "Pricing rationale",
        "<div>Base model at <strong>$1,299</strong>, pro at <strong>$1,699</strong>. Margins in the attached sheet.<br>{pdf}</div>",
    ),
    (
        "Support playbook",
        "<div><h1>Support playbook</h1>Escalate hardware issues to {m1} within 24 hours.<blockquote>Never promise a ship date.</blockquote></div>",
    ),
    (
        "New hire info",
        "<div><strong>Health insurance</strong><br>We have one policy. The company pays most of the premium.<br><br><strong>Time off</strong><br>Ask {m1}.</div>",
    ),
];

const SPEC_LINE: &str = "<div>Spec is here: \
    <a href=\"https://docs.honchodesign.com/leto/spec-v3\">spec-v3</a></div>";

const AGENDA: &str =
    "<div>Time to synergize! Agenda from {m1}:<ul><li>status</li><li>risks</li></ul></div>";

const CARD_BODIES: [&str; 3] = [
    "<div>Repro: open the lid past 120°, the screen flickers.<br>Assigned to {m1}.</div>",
    "<div><strong>Why:</strong> customers asked for it in the beta survey.\
     <ul><li>small</li><li>needs design</li></ul>{img}</div>",
    "<div>Design a new and fancy UI</div>",
];

struct Seeder<'a> {
    s: &'a mut Store,
    rng: StdRng,
    today: NaiveDate,
    /// The seed's "now": 17:00 UTC on `today`.
    now: Millis,
    people: Vec<i64>,
    /// Employees (not the client), for assignments.
    staff: Vec<i64>,
    images: Vec<String>,
    files: Vec<String>,
}

impl Seeder<'_> {
    /// `days` before the seed's now, to the second.
    fn days(&self, days: f64) -> Millis {
        let at = self.now - (days * DAY_MS as f64) as Millis;
        at - at.rem_euclid(1000)
    }

    /// A random instant between `from` and `to` days ago, to the minute.
    fn between(&mut self, from: f64, to: f64) -> Millis {
        let (lo, hi) = if from < to { (from, to) } else { (to, from) };
        let days = self.rng.random_range(lo..hi);
        let at = self.days(days);
        at - at.rem_euclid(MINUTE_MS)
    }

    fn date(&self, offset_days: i64) -> NaiveDate {
        self.today + Duration::days(offset_days)
    }

    fn staff_member(&mut self) -> i64 {
        let i = self.rng.random_range(0..self.staff.len());
        self.staff[i]
    }

    /// 1..=n distinct staff members.
    fn some_staff(&mut self, n: usize) -> Vec<i64> {
        let mut out = Vec::new();
        while out.len() < n.min(self.staff.len()) {
            let p = self.staff_member();
            if !out.contains(&p) {
                out.push(p);
            }
        }
        out
    }

    fn mention(&mut self) -> String {
        let id = self.staff_member();
        self.s
            .people
            .get(&id)
            .map(|p| rich::mention(self.s, p))
            .unwrap_or_default()
    }

    fn inline(&mut self, images: bool, caption: Option<&str>) -> String {
        let pool = if images { &self.images } else { &self.files };
        let sgid = pool[self.rng.random_range(0..pool.len())].clone();
        self.s
            .attachments
            .get(&sgid)
            .map(|a| rich::attachment(self.s, a, caption))
            .unwrap_or_default()
    }

    /// Fills `{m1}`, `{m2}`, `{img}` and `{pdf}` in a template.
    fn fill(&mut self, template: &str) -> String {
        let mut out = template.to_owned();
        for key in ["{m1}", "{m2}"] {
            if out.contains(key) {
                let m = self.mention();
                out = out.replace(key, &m);
            }
        }
        if out.contains("{img}") {
            let a = self.inline(true, Some("Shot on the studio table"));
            out = out.replace("{img}", &a);
        }
        if out.contains("{pdf}") {
            let a = self.inline(false, None);
            out = out.replace("{pdf}", &a);
        }
        out
    }

    fn add(&mut self, kind: Kind, parent: i64, creator: i64, at: Millis, title: &str) -> i64 {
        let bucket = self.s.rec(parent).map_or(0, |p| p.bucket);
        let id = self.s.recording_id();
        let mut r = Recording::new(kind, id, bucket, Some(parent), creator, at);
        r.title = title.to_owned();
        if kind.shows_position() {
            r.position = Some(self.s.next_position(parent));
        }
        self.s.insert(r)
    }

    fn edit(&mut self, id: i64, f: impl FnOnce(&mut Recording)) {
        if let Some(r) = self.s.rec_mut(id) {
            f(r);
        }
    }

    fn person(&mut self, p: &PersonSeed, at: Millis) -> i64 {
        let id = self.s.person_id();
        let (admin, owner, client, employee) = p.roles;
        self.s.people.insert(
            id,
            Person {
                id,
                name: p.name.to_owned(),
                email: p.email.to_owned(),
                title: Some(p.title.to_owned()),
                bio: p.bio.map(str::to_owned),
                location: p.location.map(str::to_owned),
                created_at: at,
                updated_at: at,
                admin,
                owner,
                client,
                employee,
                // As in the examples: non-employee staff show no company.
                company: match (client, employee) {
                    (true, _) => Some(LETO),
                    (false, true) => Some(HONCHO),
                    _ => None,
                }
                .map(|(i, n)| (i, n.to_owned())),
                time_zone: p.time_zone.to_owned(),
            },
        );
        id
    }

    fn attachment(
        &mut self,
        filename: &str,
        content_type: &str,
        size: u64,
        dims: Option<(u32, u32)>,
    ) -> String {
        let id = self.s.attachment_id();
        let sgid = signed_gid("Attachment", id, "attachable", &self.s.secret);
        let key = sha256_hex(&[sgid.as_bytes()])[..40].to_owned();
        self.s.attachments.insert(
            sgid.clone(),
            Attachment {
                id,
                sgid: sgid.clone(),
                key,
                file: FileInfo {
                    filename: filename.to_owned(),
                    content_type: content_type.to_owned(),
                    byte_size: size,
                    width: dims.map(|d| d.0),
                    height: dims.map(|d| d.1),
                },
            },
        );
        sgid
    }

    fn comment(&mut self, parent: i64, at: Millis) {
        let creator = self.staff_member();
        let text = COMMENTS[self.rng.random_range(0..COMMENTS.len())];
        let title = self
            .s
            .rec(parent)
            .map(|p| format!("Re: {}", p.title))
            .unwrap_or_default();
        let content = if self.rng.random_bool(0.25) {
            let m = self.mention();
            text.replace("</div>", &format!(" {m}</div>"))
        } else {
            text.to_owned()
        };
        let id = self.add(Kind::Comment, parent, creator, at, &title);
        self.edit(id, |c| c.content = Some(content));
        self.s.record_event(
            parent,
            "comment_created",
            json!({"comment_id": id}),
            creator,
            at,
        );
    }

    fn complete(&mut self, id: i64, at: Millis) {
        let by = self.staff_member();
        self.edit(id, |t| {
            t.completion = Some(Completion { at, by });
            t.updated_at = t.updated_at.max(at);
        });
        self.s.record_event(id, "completed", json!({}), by, at);
    }

    fn description(&mut self, i: usize) -> String {
        let templates = [
            "<div>Spec lives in <a href=\"https://docs.honchodesign.com/leto/spec-v3\">the v3 spec</a>. Check with {m1} before sign-off.</div>",
            "<div><strong>Acceptance:</strong><ul><li>Matches the spec sheet</li><li>Signed off by {m1}</li><li>Photos attached below</li></ul></div><div>{img}</div>",
            "<div>Vendor quote attached.<br>{pdf}<br>Budget cap is <strong>$12,400</strong>.</div>",
            "<div>Blocked until the <em>hinge</em> samples arrive from Shenzhen.<br><br>Ping {m1} if they slip past Friday.</div>",
            "<div><h1>Checklist</h1><ol><li>Pull the latest numbers</li><li>Compare with last quarter</li><li>Summarize for {m1}</li></ol><blockquote>Keep it under one page.</blockquote></div>",
        ];
        self.fill(templates[i % templates.len()])
    }

    /// A to-do list with `n` generated to-dos; every `done_every`-th is completed.
    fn todolist(
        &mut self,
        todoset: i64,
        name: &str,
        n: usize,
        offset: usize,
        done_every: usize,
    ) -> i64 {
        let creator = self.s.owner;
        let at = self.between(100.0, 90.0);
        let list = self.add(Kind::Todolist, todoset, creator, at, name);
        let description = if n > 20 {
            Some(self.fill("<div>Everything that has to happen before launch. Owner: {m1}. Questions go to the <a href=\"https://docs.honchodesign.com/leto/launch\">launch doc</a>.</div>"))
        } else {
            None
        };
        self.edit(list, |l| l.description = description);
        let mut completed = Vec::new();
        for i in 0..n {
            let k = offset + i;
            let content = format!("{} {}", VERBS[k % 25], OBJECTS[(k * 7 + k / 25) % 25]);
            let creator = self.staff_member();
            let at = self.between(85.0, 1.0);
            let id = self.add(Kind::Todo, list, creator, at, &content);
            let description = if self.rng.random_bool(0.55) {
                self.description(k)
            } else {
                String::new()
            };
            let assignees = match self.rng.random_range(0..10) {
                0 | 1 => Vec::new(),
                2..=6 => self.some_staff(1),
                7 | 8 => self.some_staff(2),
                _ => self.some_staff(3),
            };
            let subscribers = if self.rng.random_bool(0.15) {
                self.some_staff(2)
            } else {
                Vec::new()
            };
            let due = self
                .rng
                .random_bool(0.65)
                .then(|| self.rng.random_range(-25..40));
            let starts = due
                .filter(|_| self.rng.random_bool(0.25))
                .map(|d| d - self.rng.random_range(1..7));
            let (due_on, starts_on) = (due.map(|d| self.date(d)), starts.map(|d| self.date(d)));
            self.edit(id, |t| {
                t.description = Some(description);
                t.assignees = assignees;
                t.completion_subscribers = subscribers;
                t.due_on = due_on;
                t.starts_on = starts_on;
            });
            if done_every > 0 && i % done_every == done_every - 1 {
                completed.push(id);
            }
            if self.rng.random_bool(0.14) {
                for _ in 0..self.rng.random_range(1..4) {
                    let at = self.between(0.9, 0.05).max(at + HOUR_MS);
                    self.comment(id, at);
                }
            }
        }
        for id in &completed {
            let created = self.s.rec(*id).map_or(self.now, |t| t.created_at);
            let at = (created + self.rng.random_range(1..72) * HOUR_MS).min(self.now - HOUR_MS);
            self.complete(*id, at);
        }
        // Pending to-dos first, completed ones after, as the lists read.
        let mut order: Vec<(bool, u32, i64)> = self
            .s
            .children(list)
            .iter()
            .map(|t| (t.completion.is_some(), t.position.unwrap_or(0), t.id))
            .collect();
        order.sort();
        for (i, (_, _, id)) in order.iter().enumerate() {
            self.edit(*id, |t| t.position = Some(i as u32 + 1));
        }
        list
    }

    /// A to-do for the owner with a given due date.
    fn owner_todo(&mut self, list: i64, content: &str, due_in: i64) -> i64 {
        let at = self.between(20.0, 2.0);
        let id = self.add(Kind::Todo, list, self.s.owner, at, content);
        let owner = self.s.owner;
        let due = self.date(due_in);
        self.edit(id, |t| {
            t.assignees = vec![owner];
            t.due_on = Some(due);
            t.description = Some(String::new());
        });
        id
    }

    fn messages(&mut self, board: i64, n: usize) {
        for (i, (subject, body)) in MESSAGES.iter().take(n).enumerate() {
            let creator = if i == 0 {
                self.s.owner
            } else {
                self.staff_member()
            };
            let at = self.days(60.0 - i as f64 * 3.7);
            let content = self.fill(body);
            let id = self.add(Kind::Message, board, creator, at, subject);
            let boosts = self.rng.random_range(0..6);
            self.edit(id, |m| {
                m.content = Some(content);
                m.boosts = boosts;
            });
            let replies = if i == 0 {
                10
            } else {
                self.rng.random_range(0..6)
            };
            for j in 0..replies {
                let at = at + (j as i64 + 1) * 47 * MINUTE_MS;
                self.comment(id, at.min(self.now));
            }
        }
    }

    fn chat(&mut self, chat: i64, n: usize, days: f64) {
        for i in 0..n {
            let creator = self.staff_member();
            let at = self.days(days - days * i as f64 / n as f64);
            let text = CHAT_LINES[(i * 11) % CHAT_LINES.len()];
            let (kind, content) = match i % 5 {
                // Lines from the web app are rich text; some carry links and mentions.
                0 => (
                    Kind::ChatRichText,
                    format!("<div>{}</div>", escape_html(text)),
                ),
                1 if i % 3 == 0 => {
                    let m = self.mention();
                    let line = format!("<div>{m} <strong>{}</strong></div>", escape_html(text));
                    (Kind::ChatRichText, line)
                }
                2 if i % 4 == 0 => (Kind::ChatRichText, SPEC_LINE.to_owned()),
                _ => (Kind::ChatText, text.to_owned()),
            };
            let title = plain_text(&content);
            let id = self.add(kind, chat, creator, at, &title);
            self.edit(id, |l| l.content = Some(content));
        }
    }

    fn schedule(&mut self, schedule: i64, n: usize) {
        let summaries = [
            "Team Meeting",
            "Factory call",
            "Press briefing",
            "Design review",
            "Launch day",
            "Retail training",
            "Offsite",
            "Board update",
        ];
        for i in 0..n {
            let creator = self.staff_member();
            let offset = -14 + (i as i64 * 35) / n as i64;
            let day = self.date(offset);
            let all_day = i % 3 == 2;
            let span = if all_day {
                let days = 1 + (i as i64 % 2);
                Span {
                    starts_at: day_start(day),
                    ends_at: day_start(day) + days * DAY_MS - 1,
                    all_day: true,
                }
            } else {
                let start = day_start(day) + (14 + (i as i64 % 5)) * HOUR_MS;
                Span {
                    starts_at: start,
                    ends_at: start + HOUR_MS * (1 + i as i64 % 3),
                    all_day: false,
                }
            };
            let at = self.days(20.0 - i as f64);
            let participants = {
                let k = self.rng.random_range(1..5);
                self.some_staff(k)
            };
            let description = if i % 2 == 0 {
                self.fill(AGENDA)
            } else {
                String::new()
            };
            let id = self.add(
                Kind::ScheduleEntry,
                schedule,
                creator,
                at,
                summaries[i % summaries.len()],
            );
            self.edit(id, |e| {
                e.span = Some(span);
                e.people = participants;
                e.description = Some(description);
            });
        }
    }

    fn documents(&mut self, vault: i64, n: usize, from: usize) {
        for i in 0..n {
            let (title, body) = DOCUMENTS[(from + i) % DOCUMENTS.len()];
            let creator = self.staff_member();
            let at = self.days(50.0 - (from + i) as f64 * 4.0);
            let content = self.fill(body);
            let id = self.add(Kind::Document, vault, creator, at, title);
            self.edit(id, |d| d.content = Some(content));
            if i % 2 == 0 {
                self.comment(id, at + 3 * HOUR_MS);
            }
        }
    }

    fn upload(
        &mut self,
        vault: i64,
        filename: &str,
        content_type: &str,
        size: u64,
        dims: Option<(u32, u32)>,
    ) -> i64 {
        let creator = self.staff_member();
        let at = self.between(40.0, 3.0);
        let id = self.add(Kind::Upload, vault, creator, at, filename);
        let description = self.fill("<div>Latest version, from {m1}.</div>");
        self.edit(id, |u| {
            u.description = Some(description);
            u.file = Some(FileInfo {
                filename: filename.to_owned(),
                content_type: content_type.to_owned(),
                byte_size: size,
                width: dims.map(|d| d.0),
                height: dims.map(|d| d.1),
            });
        });
        id
    }

    fn card(&mut self, column: i64, title: &str, n: usize) -> i64 {
        let creator = self.staff_member();
        let at = self.between(45.0, 1.0);
        let id = self.add(Kind::Card, column, creator, at, title);
        let content = match n % 3 {
            0 | 1 => self.fill(CARD_BODIES[n % 3]),
            _ => CARD_BODIES[2].to_owned(),
        };
        let assignees = if n % 4 == 3 {
            Vec::new()
        } else {
            self.some_staff(1 + n % 2)
        };
        let due = n.is_multiple_of(2).then(|| self.date(n as i64 % 17 - 5));
        self.edit(id, |c| {
            c.content = Some(content);
            c.assignees = assignees;
            c.due_on = due;
        });
        if n.is_multiple_of(5) {
            self.comment(id, at + 2 * HOUR_MS);
        }
        id
    }

    fn card_table(
        &mut self,
        project: i64,
        title: &str,
        columns: &[(&str, Option<&str>, usize)],
        triage: usize,
        done: usize,
        offset: usize,
    ) -> i64 {
        let creator = self.s.owner;
        let at = self.days(70.0);
        let table = self.s.add_card_table(project, title, creator, at);
        for (name, color, _) in columns {
            self.s.add_column(table, name, *color, creator, at);
        }
        let cols: Vec<(Kind, i64)> = self
            .s
            .children(table)
            .iter()
            .map(|c| (c.kind, c.id))
            .collect();
        let titles = [
            "New and fancy UI",
            "Lid flicker at 120°",
            "Battery icon off by 5%",
            "Dark mode for the companion app",
            "Crash on resume",
            "Onboarding copy",
            "Find my laptop: share location",
            "Localize to Italian",
            "Retail kiosk mode",
            "Haptics too strong",
            "Export settings",
            "Fan noise under load",
            "Sleep timer",
            "Keyboard layout picker",
            "Accessibility audit",
            "Warranty lookup",
        ];
        let mut n = offset;
        for (kind, col) in cols {
            let count = match kind {
                Kind::Column(ColumnKind::Triage) => triage,
                Kind::Column(ColumnKind::Done) => done,
                Kind::Column(ColumnKind::NotNow) => 1,
                _ => columns
                    .iter()
                    .find(|(name, _, _)| self.s.rec(col).is_some_and(|c| c.title == *name))
                    .map_or(0, |c| c.2),
            };
            for _ in 0..count {
                let title = titles[n % titles.len()];
                let card = self.card(col, title, n);
                if n % 6 == 1 {
                    for (k, step) in [
                        "Find inspiration",
                        "Sketch three options",
                        "Review with Ines",
                    ]
                    .iter()
                    .enumerate()
                    {
                        let step_id = self.add(Kind::Step, card, creator, at + HOUR_MS, step);
                        let who = self.some_staff(1);
                        let due = self.date(k as i64 * 3 - 2);
                        let done_at = at + 2 * HOUR_MS;
                        self.edit(step_id, |s| {
                            s.assignees = who;
                            s.due_on = Some(due);
                            if k == 0 {
                                s.completion = Some(Completion {
                                    at: done_at,
                                    by: creator,
                                });
                            }
                        });
                    }
                }
                n += 1;
            }
        }
        table
    }
}

/// Seeds `store` and returns the facts tests need.
pub fn seed(store: &mut Store, today: NaiveDate) -> SeedIds {
    let now = day_start(today) + 17 * HOUR_MS;
    let mut b = Seeder {
        s: store,
        rng: StdRng::seed_from_u64(0x0BA5_EC4A_3B1E),
        today,
        now,
        people: Vec::new(),
        staff: Vec::new(),
        images: Vec::new(),
        files: Vec::new(),
    };

    // People.
    for (i, p) in PEOPLE.iter().enumerate() {
        let at = b.days(400.0 - i as f64 * 9.0);
        let id = b.person(p, at);
        b.people.push(id);
        if !p.roles.2 {
            b.staff.push(id);
        }
    }
    let owner = b.people[0];
    let client = b.people[PEOPLE.len() - 1];
    b.s.owner = owner;

    // Files that rich text embeds.
    b.images = vec![
        b.attachment(
            "leto-laptop-hero.png",
            "image/png",
            1_482_113,
            Some((2560, 1440)),
        ),
        b.attachment(
            "hinge-closeup.jpg",
            "image/jpeg",
            873_402,
            Some((1600, 1200)),
        ),
        b.attachment(
            "packaging-option-b.png",
            "image/png",
            402_981,
            Some((1200, 800)),
        ),
    ];
    b.files = vec![
        b.attachment("vendor-quote-Q3.pdf", "application/pdf", 284_113, None),
        b.attachment("factory-report.pdf", "application/pdf", 1_904_455, None),
        b.attachment(
            "pricing-model.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            58_210,
            None,
        ),
    ];

    // Projects, oldest first.
    let all = b.people.clone();
    let staff = b.staff.clone();
    let project =
        |b: &mut Seeder<'_>, name: &str, description: &str, days_ago: f64, people: &[i64]| {
            let at = b.days(days_ago);
            let id = b.s.create_project(name, Some(description), owner, at);
            if let Some(p) = b.s.projects.get_mut(&id) {
                p.people = people.to_vec();
            }
            id
        };
    let trashed = project(
        &mut b,
        "Old Pitch Deck",
        "The 2024 agency pitch. Superseded.",
        380.0,
        &staff[..4],
    );
    let archived = project(
        &mut b,
        "Annual Offsite 2025",
        "Planning for last year's offsite in Lisbon.",
        300.0,
        &staff,
    );
    let newsroom = project(
        &mut b,
        "Honcho Design Newsroom",
        "Company-wide announcements and chatter.",
        250.0,
        &staff,
    );
    let big = project(
        &mut b,
        "The Leto Laptop",
        "Laptop product launch.",
        120.0,
        &all,
    );
    let locator = project(
        &mut b,
        "The Leto Locator",
        "New software and hardware built for locating and securing Leto products.",
        110.0,
        &all,
    );
    let marketing = project(
        &mut b,
        "Marketing Campaign 2026",
        "For Client: Xyz Corp Conference",
        60.0,
        &staff,
    );
    let website = project(
        &mut b,
        "Website Refresh",
        "Rebuild honchodesign.com on the new CMS.",
        30.0,
        &staff[..6],
    );
    if let Some(p) = b.s.projects.get_mut(&big) {
        p.timesheet_enabled = true;
    }
    if let Some(p) = b.s.projects.get_mut(&locator) {
        p.clients_enabled = true;
        p.client_company = Some((LETO.0, LETO.1.to_owned()));
    }
    let tool = |b: &Seeder<'_>, project: i64, name: &str| b.s.tool(project, name).unwrap_or(0);

    // The big project.
    let todoset = tool(&b, big, "todoset");
    b.todolist(todoset, "Strategy ideas", 6, 400, 3);
    let big_list = b.todolist(todoset, "Launch checklist", BIG_LIST_LEN, 0, 5);
    b.todolist(todoset, "Background and research", 4, 420, 4);
    b.todolist(todoset, "Hardware QA", 12, 450, 4);
    let old = b.todolist(todoset, "Old launch plan", 3, 470, 0);
    b.edit(old, |l| l.status = Status::Archived);
    b.messages(tool(&b, big, "message_board"), MESSAGES.len());
    let main_chat = tool(&b, big, "chat");
    b.chat(main_chat, MAIN_CHAT_LINES, 9.0);
    let big_schedule = tool(&b, big, "schedule");
    b.schedule(big_schedule, 14);
    let big_vault = tool(&b, big, "vault");
    b.documents(big_vault, 6, 0);
    let brand = b.add(Kind::Vault, big_vault, owner, b.days(80.0), "Brand assets");
    b.documents(brand, 2, 1);
    b.upload(
        big_vault,
        "company-logo.png",
        "image/png",
        1281,
        Some((164, 39)),
    );
    b.upload(
        big_vault,
        "launch-timeline.pdf",
        "application/pdf",
        482_113,
        None,
    );
    b.upload(
        big_vault,
        "press-release-draft.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        38_400,
        None,
    );
    b.upload(
        big_vault,
        "pricing-model.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        58_210,
        None,
    );
    b.upload(big_vault, "assets.zip", "application/zip", 24_113_201, None);
    b.upload(
        brand,
        "leto-wordmark.svg",
        "image/svg+xml",
        4_410,
        Some((512, 128)),
    );
    b.upload(
        brand,
        "hero-shot.jpg",
        "image/jpeg",
        3_201_877,
        Some((4000, 2667)),
    );
    b.upload(brand, "color-palette.pdf", "application/pdf", 91_200, None);

    // The card project: two tables, a few lists, the usual tools.
    let table_a = b.card_table(
        locator,
        "Card Table",
        &[
            ("Figuring it out", Some("purple"), 4),
            ("In progress", Some("orange"), 3),
        ],
        3,
        5,
        0,
    );
    let table_b = b.card_table(
        locator,
        "Bug Triage",
        &[
            ("Investigating", Some("red"), 3),
            ("Fixing", Some("yellow"), 2),
            ("Verifying", Some("green"), 1),
        ],
        4,
        3,
        7,
    );
    let locator_set = tool(&b, locator, "todoset");
    b.todolist(locator_set, "Firmware", 8, 500, 3);
    b.todolist(locator_set, "Companion app", 7, 520, 4);
    b.messages(tool(&b, locator, "message_board"), 4);
    b.chat(tool(&b, locator, "chat"), 18, 5.0);
    b.schedule(tool(&b, locator, "schedule"), 4);
    b.documents(tool(&b, locator, "vault"), 2, 2);
    // One card moved between columns, as its events show.
    if let (Some(first), Some(second)) = (
        b.s.children(table_a).get(2).map(|c| c.id),
        b.s.children(table_a).get(3).map(|c| c.id),
    ) && let Some(card) = b.s.children(first).first().map(|c| c.id)
    {
        let at = b.days(2.0);
        b.edit(card, |c| {
            c.parent = Some(second);
            c.updated_at = at;
        });
        b.s.renumber(first);
        let last = b.s.next_position(second);
        b.edit(card, |c| c.position = Some(last));
        b.s.record_event(
            card,
            "adopted",
            json!({"new_parent_id": second, "parent_id_was": first}),
            owner,
            at,
        );
    }
    // Ines can see the card project and its tables.
    for id in [table_a, table_b] {
        b.edit(id, |t| t.visible_to_clients = true);
    }

    // The other projects.
    b.messages(tool(&b, newsroom, "message_board"), 5);
    b.chat(tool(&b, newsroom, "chat"), 20, 4.0);
    b.documents(tool(&b, newsroom, "vault"), 2, 4);
    let marketing_set = tool(&b, marketing, "todoset");
    b.todolist(marketing_set, "Conference prep", 9, 540, 3);
    let mine = b.add(
        Kind::Todolist,
        marketing_set,
        owner,
        b.days(10.0),
        "Victor's week",
    );
    let overdue = b.owner_todo(mine, "Send the sponsorship contract back", -3);
    b.owner_todo(mine, "Approve the booth layout", -1);
    let due_today = b.owner_todo(mine, "Call Xyz Corp about the keynote slot", 0);
    b.owner_todo(mine, "Sign off the banner proofs", 0);
    b.owner_todo(mine, "Book flights for the team", 1);
    b.owner_todo(mine, "Review the speaker bios", 3);
    b.owner_todo(mine, "Plan the dinner", 9);
    b.owner_todo(mine, "Write the recap post", 30);
    b.schedule(tool(&b, marketing, "schedule"), 5);
    b.chat(tool(&b, marketing, "chat"), 12, 3.0);
    let website_set = tool(&b, website, "todoset");
    b.todolist(website_set, "Launch", 5, 560, 2);
    b.messages(tool(&b, website, "message_board"), 2);
    b.chat(tool(&b, website, "chat"), 10, 2.0);
    b.todolist(tool(&b, archived, "todoset"), "Logistics", 6, 580, 1);
    b.messages(tool(&b, trashed, "message_board"), 1);
    let at = b.days(200.0);
    if let Some(p) = b.s.projects.get_mut(&archived) {
        p.status = Status::Archived;
        p.updated_at = at;
    }
    let at = b.days(20.0);
    if let Some(p) = b.s.projects.get_mut(&trashed) {
        p.status = Status::Trashed;
        p.updated_at = at;
    }
    b.s.priorities.insert(owner, vec![overdue, due_today]);
    // Writes must come after everything seeded, even if `today` is in the future.
    b.s.observe(now);

    let todolists =
        b.s.active_children(todoset, |k| k == Kind::Todolist)
            .iter()
            .map(|l| l.id)
            .collect();
    SeedIds {
        big_project: big,
        todoset,
        big_todolist: big_list,
        todolists,
        card_project: locator,
        card_tables: vec![table_a, table_b],
        message_board: tool(&b, big, "message_board"),
        chat: main_chat,
        schedule: big_schedule,
        vault: big_vault,
        projects: vec![
            newsroom, big, locator, marketing, website, archived, trashed,
        ],
        archived_project: archived,
        trashed_project: trashed,
        owner,
        people: b.people.clone(),
        client,
        due_today_todo: due_today,
        overdue_todo: overdue,
    }
}
