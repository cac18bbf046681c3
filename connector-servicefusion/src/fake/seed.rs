//! The seeded account: Lone Star Comfort Services, an HVAC and plumbing company in
//! Central Texas. Generated from a fixed-seed RNG with every date relative to `today`, so
//! the same day always gives the same company and any day gives the same counts: 16
//! users, 18 job statuses, 10 categories, 8 sources, 6 payment types, 320 customers with
//! about 630 pieces of equipment, 3,150 jobs over the last two years and the next month
//! (most of them closed and invoiced, a dozen on today's board), 420 estimates and 300
//! calendar tasks around today. Nothing here reads the clock.

use std::collections::{BTreeMap, HashSet};

use chrono::{Datelike, NaiveDate, NaiveTime, TimeDelta};
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::Value;

use super::{
    format::{Timestamp, cents},
    model::{
        Agreement, CUSTOMER_FIELDS, CalendarTask, Contact, CustomValue, Customer, EQUIPMENT_FIELDS,
        Email, Equipment, FieldDef, Invoice, JobCategory, JobStatus, Location, ORDER_FIELDS,
        PaymentType, Phone, Repeat, Source, StatusCategory, StatusScope, Store, TAX_NAME, Tech,
    },
    order::{
        Address, Attachment, Estimate, Expense, ItemKind, Job, LaborCharge, LineItem, Note, Order,
        OtherCharge, Payment, Priority, Signature, Tag, Task, Visit,
    },
    seed_data::{
        BUSINESSES, CALENDAR_TEMPLATES, CITIES, COLORS, COMMERCIAL_PLACES, COMPANY_DOMAIN,
        CONTACT_TITLES, City, EQUIPMENT_MAKERS, EQUIPMENT_PLACES, ESTIMATE_OPTIONS, ESTIMATE_TAGS,
        FIRST_NAMES, KINDS, Kind, LAST_NAMES, Line, MONTHS, NOTES, PAYMENT_TYPES, PEOPLE,
        PRIVATE_NOTES, PROPERTY_MANAGERS, SOURCES, STATUSES, STREETS, SUPPLY_HOUSES, TECH_NOTES,
        Trade,
    },
};

const SEED: u64 = 0x5EED_F05E;

const RESIDENTIAL: usize = 227;
const RENTALS: usize = 32;
const JOBS: usize = 3150;
/// Jobs on today's board (dispatched, on the way, on site, ...), among the `JOBS`.
const JOBS_TODAY: usize = 14;
const ESTIMATES: usize = 420;
const CALENDAR_TASKS: usize = 300;

// First ids of each kind: distinct ranges, so an id used on the wrong resource is a 404.
// Customers, jobs and estimates stay under 10,000 so tests can walk them with `record`.
const TECH_IDS: i64 = 980_190_970;
const STATUS_IDS: i64 = 1_018_351_020;
const CATEGORY_IDS: i64 = 490;
const SOURCE_IDS: i64 = 980_192_640;
const PAYMENT_TYPE_IDS: i64 = 980_190_989;
const CUSTOMER_IDS: i64 = 1001;
const EQUIPMENT_IDS: i64 = 20_001;
const JOB_IDS: i64 = 2001;
const ESTIMATE_IDS: i64 = 6001;
const INVOICE_IDS: i64 = 11_001;
const CALENDAR_IDS: i64 = 16_001;
const SUB_IDS: i64 = 7_000_000;
const PAYMENT_IDS: i64 = 8_000_000;
const DOC_IDS: i64 = 990_000;
const FIRST_JOB_NUMBER: i64 = 10_001;
const FIRST_ESTIMATE_NUMBER: i64 = 50_001;
const FIRST_INVOICE_NUMBER: i64 = 1001;
const FIRST_ACCOUNT_NUMBER: i64 = 30_001;

/// Builds the company.
pub fn company(today: NaiveDate) -> Store {
    let mut b = Builder::new(today);
    b.setup();
    b.customers();
    b.equipment();
    b.jobs();
    b.estimates();
    b.calendar();
    b.finish();
    b.store
}

fn shift(d: NaiveDate, days: i64) -> NaiveDate {
    d.checked_add_signed(TimeDelta::days(days)).unwrap_or(d)
}

fn hhmm(minutes: i64) -> String {
    format!("{:02}:{:02}", minutes / 60 % 24, minutes % 60)
}

/// Letters and digits only, lowercased: how names become email addresses.
fn slug(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

/// A company's email domain: `smithsonshardware.example`.
fn domain_of(name: &str) -> String {
    format!("{}.example", slug(name))
}

/// The id of the first record `is_it` picks (maps are keyed by id), or `default`.
fn id_where<T>(map: &BTreeMap<i64, T>, default: i64, is_it: impl Fn(&T) -> bool) -> i64 {
    map.iter()
        .find(|(_, v)| is_it(v))
        .map_or(default, |(id, _)| *id)
}

struct Builder {
    rng: StdRng,
    today: NaiveDate,
    /// No seeded timestamp is later than this (the start of today), so nothing seeded
    /// looks like it happened in the future.
    cap: Timestamp,
    store: Store,
    next_sub: i64,
    next_payment: i64,
    next_doc: i64,
    field_hvac: Vec<i64>,
    field_plumbing: Vec<i64>,
    sales: Vec<i64>,
    /// Customers jobs can be for (property managers only get work at their rentals).
    serviceable: Vec<i64>,
    /// Email addresses given out, so each one is a single contact's.
    emails: HashSet<String>,
}

impl Builder {
    fn new(today: NaiveDate) -> Self {
        Self {
            rng: StdRng::seed_from_u64(SEED),
            today,
            cap: today.and_time(NaiveTime::MIN).and_utc(),
            store: Store::default(),
            next_sub: SUB_IDS,
            next_payment: PAYMENT_IDS,
            next_doc: DOC_IDS,
            field_hvac: Vec::new(),
            field_plumbing: Vec::new(),
            sales: Vec::new(),
            serviceable: Vec::new(),
            emails: HashSet::new(),
        }
    }

    // ---- randomness and time ----

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        self.rng.random_range(lo..=hi)
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.rng.random_range(0..items.len())]
    }

    fn weighted<'a, T>(&mut self, items: &'a [T], weight: impl Fn(&T) -> u32) -> &'a T {
        let total: u32 = items.iter().map(&weight).sum();
        let mut n = self.rng.random_range(0..total.max(1));
        for item in items {
            let w = weight(item);
            if n < w {
                return item;
            }
            n -= w;
        }
        &items[0]
    }

    fn day(&self, offset: i64) -> NaiveDate {
        shift(self.today, offset)
    }

    /// A day between `lo` and `hi` days from today.
    fn some_day(&mut self, lo: i64, hi: i64) -> NaiveDate {
        let offset = self.range(lo, hi);
        self.day(offset)
    }

    /// A day `lo..=hi` days before `d`.
    fn days_before(&mut self, d: NaiveDate, lo: i64, hi: i64) -> NaiveDate {
        let n = self.range(lo, hi);
        shift(d, -n)
    }

    /// A timestamp on `d` at `minute` past midnight, no later than the cap.
    fn at(&self, d: NaiveDate, minute: i64) -> Timestamp {
        let t = d.and_time(NaiveTime::MIN).and_utc() + TimeDelta::minutes(minute);
        t.min(self.cap)
    }

    /// A time during office hours on `d`.
    fn office(&mut self, d: NaiveDate) -> Timestamp {
        let minute = self.range(7 * 60, 18 * 60);
        self.at(d, minute)
    }

    fn sub_id(&mut self) -> i64 {
        self.next_sub += 1;
        self.next_sub
    }

    fn doc_id(&mut self) -> i64 {
        self.next_doc += 1;
        self.next_doc
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.rng.random_range(0..10u8)))
            .collect()
    }

    fn phone(&mut self, city: &City) -> String {
        let area = self.pick(city.area_codes);
        format!("{area}-555-01{:02}", self.range(0, 99))
    }

    fn custom(&mut self, def: &'static FieldDef, value: Value, at: Timestamp) -> CustomValue {
        CustomValue {
            def,
            value,
            created_at: at,
            updated_at: at,
        }
    }

    // ---- the company ----

    fn setup(&mut self) {
        let founded = self.at(self.day(-6 * 365), 9 * 60);
        for (i, p) in PEOPLE.iter().enumerate() {
            let id = TECH_IDS + i as i64;
            let phone_2 = self.chance(0.5).then(|| format!("512-555-02{:02}", i + 10));
            self.store.techs.insert(
                id,
                Tech {
                    id,
                    first_name: p.first.to_owned(),
                    last_name: p.last.to_owned(),
                    nickname_on_workorder: format!("{} {}.", p.first, &p.last[..1]),
                    nickname_on_dispatch: format!("{} - {}", p.first, p.department),
                    color_code: COLORS[i % COLORS.len()].to_owned(),
                    email: format!(
                        "{}.{}@{COMPANY_DOMAIN}",
                        p.first.to_lowercase(),
                        p.last.to_lowercase().replace('\'', "")
                    ),
                    phone_1: format!("512-555-01{:02}", 50 + i),
                    is_phone_2_mobile: phone_2.is_some(),
                    is_phone_2_visible_to_client: false,
                    phone_2,
                    gender: p.gender.to_owned(),
                    department: p.department.to_owned(),
                    title: p.title.to_owned(),
                    bio: p.bio.map(str::to_owned),
                    is_phone_1_mobile: true,
                    is_phone_1_visible_to_client: p.field,
                    is_sales_rep: p.sales,
                    is_field_worker: p.field,
                    created_at: founded + TimeDelta::days(i as i64 * 97),
                    updated_at: founded + TimeDelta::days(i as i64 * 97 + 30),
                },
            );
            if p.field && p.department == "HVAC" {
                self.field_hvac.push(id);
            }
            if p.field && p.department == "Plumbing" {
                self.field_plumbing.push(id);
            }
            if p.sales {
                self.sales.push(id);
            }
        }
        self.store.me = TECH_IDS;

        for (i, (code, name, custom, category, scope)) in STATUSES.iter().enumerate() {
            let id = STATUS_IDS + i as i64;
            self.store.statuses.insert(
                id,
                JobStatus {
                    id,
                    code: (*code).to_owned(),
                    name: (*name).to_owned(),
                    is_custom: *custom,
                    category: match category {
                        'A' => StatusCategory::OpenActive,
                        'I' => StatusCategory::OpenInactive,
                        _ => StatusCategory::Closed,
                    },
                    scope: match scope {
                        'J' => StatusScope::Jobs,
                        'E' => StatusScope::Estimates,
                        _ => StatusScope::Both,
                    },
                },
            );
        }
        for (i, k) in KINDS.iter().enumerate() {
            let id = CATEGORY_IDS + i as i64;
            self.store.categories.insert(
                id,
                JobCategory {
                    id,
                    name: k.name.to_owned(),
                },
            );
        }
        for (i, (short, long)) in SOURCES.iter().enumerate() {
            let id = SOURCE_IDS + i as i64;
            self.store.sources.insert(
                id,
                Source {
                    id,
                    short_name: (*short).to_owned(),
                    long_name: (*long).to_owned(),
                },
            );
        }
        for (i, (code, short, kind, custom)) in PAYMENT_TYPES.iter().enumerate() {
            let id = PAYMENT_TYPE_IDS + i as i64;
            self.store.payment_types.insert(
                id,
                PaymentType {
                    id,
                    code: (*code).to_owned(),
                    short_name: (*short).to_owned(),
                    kind: (*kind).to_owned(),
                    is_custom: *custom,
                },
            );
        }
    }

    fn status(&self, name: &str) -> i64 {
        id_where(&self.store.statuses, STATUS_IDS, |s| s.name == name)
    }

    fn category(&self, name: &str) -> i64 {
        id_where(&self.store.categories, CATEGORY_IDS, |c| c.name == name)
    }

    fn payment_type(&self, code: &str) -> i64 {
        id_where(&self.store.payment_types, PAYMENT_TYPE_IDS, |p| {
            p.code == code
        })
    }

    // ---- customers ----

    fn city(&mut self) -> &'static City {
        self.weighted(CITIES, |c| c.weight)
    }

    fn location(
        &mut self,
        city: &'static City,
        nickname: &str,
        kind: &str,
        primary: bool,
        at: Timestamp,
    ) -> Location {
        let gated = self.chance(0.1);
        let street = format!("{} {}", self.range(100, 19_999), self.pick(STREETS));
        let lat = city.lat + (self.range(-400, 400) as f64) / 10_000.0;
        let lon = city.lon + (self.range(-400, 400) as f64) / 10_000.0;
        Location {
            id: self.sub_id(),
            street_2: (kind == "business" && self.chance(0.3))
                .then(|| format!("Suite {}", self.range(100, 450))),
            street_1: street,
            city: city.name.to_owned(),
            state_prov: "Texas".to_owned(),
            postal_code: self.pick(city.zips).to_owned(),
            country: "USA".to_owned(),
            nickname: Some(nickname.to_owned()),
            gate_instructions: gated.then(|| format!("Gate code #{}", self.digits(4))),
            latitude: Some((lat * 10_000.0).round() / 10_000.0),
            longitude: Some((lon * 10_000.0).round() / 10_000.0),
            location_type: Some(kind.to_owned()),
            is_primary: primary,
            is_gated: gated,
            is_bill_to: primary,
            customer_contact: None,
            created_at: at,
            updated_at: at,
        }
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "a contact's parts, named at the call"
    )]
    fn contact(
        &mut self,
        first: &str,
        last: &str,
        contact_type: &str,
        title: Option<(&str, &str)>,
        primary: bool,
        email_domain: Option<&str>,
        city: &City,
        at: Timestamp,
    ) -> Contact {
        let mut phones = vec![Phone {
            id: self.sub_id(),
            phone: self.phone(city),
            ext: None,
            kind: "Mobile".to_owned(),
            created_at: at,
            updated_at: at,
        }];
        if self.chance(0.3) {
            let (kind, ext) = if title.is_some() {
                ("Work", Some(self.range(10, 99)))
            } else {
                ("Home", None)
            };
            phones.push(Phone {
                id: self.sub_id(),
                phone: self.phone(city),
                ext,
                kind: kind.to_owned(),
                created_at: at,
                updated_at: at,
            });
        }
        let domain = match email_domain {
            Some(d) => d.to_owned(),
            None => self
                .pick(&["example.com", "example.net", "example.org"])
                .to_owned(),
        };
        let mut email = format!("{}.{}@{domain}", slug(first), slug(last));
        while !self.emails.insert(email.clone()) {
            email = format!(
                "{}.{}{}@{domain}",
                slug(first),
                slug(last),
                self.range(2, 99)
            );
        }
        let emails = vec![Email {
            id: self.sub_id(),
            email,
            class: if title.is_some() {
                "Business"
            } else {
                "Personal"
            }
            .to_owned(),
            types_accepted: "CONF,PMT,INV".to_owned(),
            created_at: at,
            updated_at: at,
        }];
        let dob = self
            .chance(0.2)
            .then(|| format!("{} {}", self.pick(MONTHS), self.range(1, 28)));
        Contact {
            id: self.sub_id(),
            prefix: None,
            fname: first.to_owned(),
            lname: last.to_owned(),
            suffix: None,
            contact_type: Some(contact_type.to_owned()),
            dob,
            anniversary: None,
            job_title: title.map(|t| t.0.to_owned()),
            department: title.map(|t| t.1.to_owned()),
            is_primary: primary,
            phones,
            emails,
            created_at: at,
            updated_at: at,
        }
    }

    fn blank_customer(&mut self, name: String, created_at: Timestamp) -> Customer {
        let id = next_customer_id(&self.store);
        let source = SOURCE_IDS + self.range(0, SOURCES.len() as i64 - 1);
        Customer {
            id,
            name,
            parent_id: None,
            account_number: (FIRST_ACCOUNT_NUMBER + (id - CUSTOMER_IDS)).to_string(),
            account_balance: 0,
            private_notes: self
                .chance(0.25)
                .then(|| self.pick(PRIVATE_NOTES).to_owned()),
            public_notes: None,
            credit_rating: Some(self.pick(&["A+", "A", "A", "B+", "B", "U"]).to_owned()),
            labor_charge_type: Some("flat".to_owned()),
            labor_charge_default_rate: None,
            last_serviced_date: None,
            is_bill_for_drive_time: false,
            is_vip: self.chance(0.08),
            referral_source_id: Some(source),
            agent_id: None,
            discount: None,
            discount_type: None,
            payment_type_id: None,
            payment_terms: Some("DUR".to_owned()),
            assigned_contract: None,
            industry: Some("Residential".to_owned()),
            is_taxable: true,
            tax_item_name: Some(TAX_NAME.to_owned()),
            qbo_sync_token: self.chance(0.6).then(|| self.range(1, 400)),
            qbo_currency: Some("USD".to_owned()),
            qbo_id: None,
            qbd_id: None,
            created_at,
            updated_at: created_at,
            contacts: Vec::new(),
            locations: Vec::new(),
            custom_fields: Vec::new(),
            tags: Vec::new(),
            agreement: None,
        }
    }

    /// A maintenance agreement starting some time in the last two years.
    fn agreement(&mut self, c: &mut Customer, contract: &str) {
        let start = self.some_day(-720, -1);
        let effective = self.at(start, 0);
        c.assigned_contract = Some(contract.to_owned());
        c.agreement = Some(Agreement {
            effective,
            expires: effective + TimeDelta::days(365),
        });
    }

    fn customers(&mut self) {
        let mut taken: HashSet<String> = HashSet::new();
        // Residential customers, some of them couples.
        while self.store.customers.len() < RESIDENTIAL {
            let first = self.pick(FIRST_NAMES);
            let last = self.pick(LAST_NAMES);
            let partner = self.chance(0.12).then(|| self.pick(FIRST_NAMES));
            let name = match partner {
                Some(p) if p != first => format!("{first} & {p} {last}"),
                _ => format!("{first} {last}"),
            };
            if !taken.insert(name.to_lowercase()) {
                continue;
            }
            let d = self.some_day(-5 * 365, -60);
            let created = self.office(d);
            let mut c = self.blank_customer(name, created);
            let city = self.city();
            c.contacts
                .push(self.contact(first, last, "Billing", None, true, None, city, created));
            if let Some(p) = partner.filter(|p| *p != first) {
                c.contacts
                    .push(self.contact(p, last, "Service", None, false, None, city, created));
            } else if self.chance(0.25) {
                let other = self.pick(FIRST_NAMES);
                c.contacts
                    .push(self.contact(other, last, "Service", None, false, None, city, created));
            }
            c.locations
                .push(self.location(city, "Home", "home", true, created));
            if self.chance(0.08) {
                let lake = self.weighted(CITIES, |c| {
                    if c.name == "Lakeway" || c.name == "Dripping Springs" {
                        1
                    } else {
                        0
                    }
                });
                c.locations
                    .push(self.location(lake, "Lake House", "home", false, created));
            }
            let pay = self.pick(&["CC", "CC", "CC", "CHECK", "CASH", "FIN"]);
            c.payment_type_id = Some(self.payment_type(pay));
            if self.chance(0.5) {
                c.agent_id = Some(self.pick(&self.sales.clone()));
            }
            if self.chance(0.25) {
                let plan = self.pick(&["Comfort Club Gold", "Comfort Club Silver"]);
                self.agreement(&mut c, plan);
                c.discount = Some(15.0);
                c.discount_type = Some("%".to_owned());
            }
            let home = self.pick(&[
                "Single Family",
                "Single Family",
                "Townhome",
                "Condo",
                "Duplex",
            ]);
            c.custom_fields
                .push(self.custom(&CUSTOMER_FIELDS[0], Value::from(home), created));
            if self.chance(0.6) {
                let year = self.range(1962, 2022);
                c.custom_fields
                    .push(self.custom(&CUSTOMER_FIELDS[1], Value::from(year), created));
            }
            if let Some(code) = c.locations[0].gate_instructions.clone() {
                c.custom_fields
                    .push(self.custom(&CUSTOMER_FIELDS[2], Value::from(code), created));
            }
            if self.chance(0.3) {
                c.custom_fields
                    .push(self.custom(&CUSTOMER_FIELDS[3], Value::from(true), created));
            }
            let how = self.pick(&["Call", "Text", "Email"]);
            c.custom_fields
                .push(self.custom(&CUSTOMER_FIELDS[4], Value::from(how), created));
            self.store.customers.insert(c.id, c);
        }

        // Businesses.
        for (name, industry, taxable) in BUSINESSES {
            let d = self.some_day(-5 * 365, -60);
            let created = self.office(d);
            let mut c = self.blank_customer((*name).to_owned(), created);
            let city = self.city();
            let domain = domain_of(name);
            for i in 0..self.range(1, 3) {
                let title = self.pick(CONTACT_TITLES);
                let (first, last) = (self.pick(FIRST_NAMES), self.pick(LAST_NAMES));
                let kind = if i == 0 { "Billing" } else { "Service" };
                c.contacts.push(self.contact(
                    first,
                    last,
                    kind,
                    Some(title),
                    i == 0,
                    Some(&domain),
                    city,
                    created,
                ));
            }
            c.locations
                .push(self.location(city, "Main Office", "business", true, created));
            if self.chance(0.25) {
                let other = self.city();
                c.locations.push(self.location(
                    other,
                    "Second Location",
                    "business",
                    false,
                    created,
                ));
            }
            c.industry = Some((*industry).to_owned());
            c.is_taxable = *taxable;
            c.tax_item_name = taxable.then(|| TAX_NAME.to_owned());
            c.labor_charge_type = Some("hourly".to_owned());
            c.labor_charge_default_rate = Some(cents(125.0));
            c.is_bill_for_drive_time = true;
            c.payment_terms = Some(self.pick(&["NET15", "NET30", "NET30", "DUR"]).to_owned());
            let pay = self.pick(&["BILL", "BILL", "CHECK", "ACH", "CC"]);
            c.payment_type_id = Some(self.payment_type(pay));
            c.agent_id = Some(self.pick(&self.sales.clone()));
            c.credit_rating = Some(self.pick(&["A+", "A", "B+", "B", "C+"]).to_owned());
            if self.chance(0.35) {
                self.agreement(&mut c, "Commercial Maintenance Agreement");
            }
            self.store.customers.insert(c.id, c);
        }

        // Property managers and their rentals.
        let mut managers = Vec::new();
        for (name, _) in PROPERTY_MANAGERS {
            let d = self.some_day(-5 * 365, -900);
            let created = self.office(d);
            let mut c = self.blank_customer((*name).to_owned(), created);
            let city = &CITIES[0];
            let title = ("Property Manager", "Maintenance");
            let (first, last) = (self.pick(FIRST_NAMES), self.pick(LAST_NAMES));
            let domain = domain_of(name);
            c.contacts.push(self.contact(
                first,
                last,
                "Billing",
                Some(title),
                true,
                Some(&domain),
                city,
                created,
            ));
            c.locations
                .push(self.location(city, "Office", "business", true, created));
            c.industry = Some("Property Management".to_owned());
            c.payment_terms = Some("NET30".to_owned());
            c.payment_type_id = Some(self.payment_type("BILL"));
            c.tags.push("Property Management".to_owned());
            managers.push(c.id);
            self.store.customers.insert(c.id, c);
        }
        for i in 0..RENTALS {
            let parent = managers[i % managers.len()];
            let abbreviation = PROPERTY_MANAGERS[i % managers.len()].1;
            let city = self.city();
            let d = self.some_day(-900, -60);
            let created = self.office(d);
            let mut location = self.location(city, "Rental", "rental", true, created);
            let name = format!("{abbreviation} - {}", location.street_1);
            if !taken.insert(name.to_lowercase()) {
                continue;
            }
            let mut c = self.blank_customer(name, created);
            let (first, last) = (self.pick(FIRST_NAMES), self.pick(LAST_NAMES));
            let tenant = self.contact(first, last, "Tenant", None, true, None, city, created);
            location.customer_contact = Some(tenant.full_name());
            c.contacts.push(tenant);
            c.locations.push(location);
            c.parent_id = Some(parent);
            c.industry = Some("Property Management".to_owned());
            c.payment_terms = Some("NET30".to_owned());
            c.payment_type_id = Some(self.payment_type("BILL"));
            c.tags.push("Property Management".to_owned());
            self.store.customers.insert(c.id, c);
        }

        // Tags the documented filter can find, each derivable from what is printed.
        for c in self.store.customers.values_mut() {
            let residential = c.industry.as_deref() == Some("Residential");
            c.tags.insert(
                0,
                if residential {
                    "Residential"
                } else {
                    "Commercial"
                }
                .to_owned(),
            );
            if c.is_vip {
                c.tags.push("VIP".to_owned());
            }
            if c.assigned_contract.is_some() {
                c.tags.push("Service Agreement".to_owned());
            }
        }
        self.serviceable = self
            .store
            .customers
            .values()
            .filter(|c| !managers.contains(&c.id))
            .map(|c| c.id)
            .collect();
    }

    // ---- equipment ----

    fn piece(&mut self, customer: &Customer, kind: &str, commercial: bool) -> Equipment {
        let makers = EQUIPMENT_MAKERS
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(&[("Generic", "GEN")][..], |(_, m)| *m);
        let (make, prefix) = self.pick(makers);
        let years = self.range(1, 18);
        let extra = self.range(0, 300);
        let install = self.day(-years * 365 - extra);
        let warranty = shift(install, if commercial { 5 * 365 } else { 10 * 365 });
        let extended = self.chance(0.2);
        let location = customer
            .locations
            .get(self.range(0, customer.locations.len() as i64 - 1) as usize)
            .or(customer.locations.first());
        let place = if commercial {
            self.pick(COMMERCIAL_PLACES)
        } else {
            self.pick(EQUIPMENT_PLACES)
        };
        let created = self.at(install.max(customer.created_at.date_naive()), 15 * 60);
        let mut fields = Vec::new();
        if matches!(kind, "Air Conditioner" | "Heat Pump" | "Rooftop Unit") {
            let tons = self.pick(&[2.0, 2.5, 3.0, 3.0, 3.5, 4.0, 5.0]);
            fields.push(self.custom(&EQUIPMENT_FIELDS[0], Value::from(tons), created));
            let refrigerant = match install.year() {
                ..2010 => "R-22",
                2010..2024 => "R-410A",
                _ => "R-454B",
            };
            fields.push(self.custom(&EQUIPMENT_FIELDS[1], Value::from(refrigerant), created));
        }
        if matches!(kind, "Gas Furnace" | "Air Handler") {
            let size = self.pick(&["16x25x1", "20x25x1", "20x20x1", "20x25x4"]);
            fields.push(self.custom(&EQUIPMENT_FIELDS[2], Value::from(size), created));
        }
        if matches!(
            kind,
            "Gas Furnace" | "Water Heater" | "Tankless Water Heater"
        ) {
            let fuel = self.pick(&["Natural Gas", "Natural Gas", "Propane", "Electric"]);
            fields.push(self.custom(&EQUIPMENT_FIELDS[3], Value::from(fuel), created));
        }
        Equipment {
            id: 0,
            customer_id: customer.id,
            location_id: location.map(|l| l.id),
            kind: kind.to_owned(),
            make: make.to_owned(),
            model: format!("{prefix}{}", self.digits(4)),
            sku: None,
            serial_number: format!(
                "{}{}{}",
                install.format("%y%m"),
                char::from(b'A' + self.rng.random_range(0..26u8)),
                self.digits(6)
            ),
            location: Some(place.to_owned()),
            notes: self
                .chance(0.1)
                .then(|| "Unit is original to the house.".to_owned()),
            extended_warranty_provider: extended.then(|| {
                if self.chance(0.5) {
                    "Lone Star Comfort Club".to_owned()
                } else {
                    format!("{make} Factory Protection")
                }
            }),
            is_extended_warranty: extended,
            extended_warranty_date: extended.then(|| shift(warranty, 2 * 365)),
            warranty_date: Some(warranty),
            install_date: Some(install),
            created_at: created,
            updated_at: created,
            custom_fields: fields,
        }
    }

    fn equipment(&mut self) {
        let customers: Vec<Customer> = self
            .serviceable
            .iter()
            .filter_map(|id| self.store.customers.get(id).cloned())
            .collect();
        for c in &customers {
            let commercial = c.industry.as_deref() != Some("Residential");
            let mut kinds: Vec<&str> = Vec::new();
            if commercial && c.parent_id.is_none() {
                let units = self.range(1, 3) as usize;
                kinds.extend(std::iter::repeat_n("Rooftop Unit", units));
                if c.industry.as_deref() == Some("Restaurants") {
                    kinds.push(self.pick(&["Walk-in Cooler", "Ice Machine"]));
                }
                if self.chance(0.5) {
                    kinds.push("Water Heater");
                }
            } else {
                if self.chance(0.7) {
                    kinds.push(self.pick(&["Air Conditioner", "Air Conditioner", "Heat Pump"]));
                    kinds.push(self.pick(&["Gas Furnace", "Air Handler"]));
                }
                if self.chance(0.45) {
                    kinds.push(self.pick(&[
                        "Water Heater",
                        "Water Heater",
                        "Tankless Water Heater",
                    ]));
                }
            }
            for kind in kinds {
                let mut e = self.piece(c, kind, commercial && c.parent_id.is_none());
                e.id = EQUIPMENT_IDS + self.store.equipment.len() as i64;
                self.store.equipment.insert(e.id, e);
            }
        }
    }

    // ---- jobs ----

    fn techs_for(&mut self, trade: Trade, n: usize) -> Vec<i64> {
        let pool = match trade {
            Trade::Hvac => self.field_hvac.clone(),
            Trade::Plumbing => self.field_plumbing.clone(),
        };
        let mut out = Vec::new();
        while out.len() < n.min(pool.len()) {
            let t = self.pick(&pool);
            if !out.contains(&t) {
                out.push(t);
            }
        }
        out
    }

    fn line(
        &mut self,
        kind: ItemKind,
        l: &Line,
        multiplier: f64,
        taxable: bool,
        at: Timestamp,
    ) -> LineItem {
        let (name, description, rate, cost) = *l;
        LineItem {
            kind,
            name: name.to_owned(),
            catalog: name.to_owned(),
            catalog_id: 45_300 + (name.len() as i64) * 7 + (rate as i64) % 97,
            description: Some(description.to_owned()),
            multiplier,
            rate: cents(rate),
            cost: cents(cost),
            taxable,
            is_show_rate_items: true,
            created_at: at,
            updated_at: at,
        }
    }

    /// The status of a job `offset` days from today.
    fn job_status(&mut self, offset: i64) -> &'static str {
        let r = self.range(0, 999);
        match offset {
            ..-7 => match r {
                0..600 => "Invoiced",
                600..895 => "Completed",
                895..995 => "Cancelled",
                _ => "On Hold",
            },
            -7..0 => match r {
                0..400 => "Completed",
                400..700 => "Invoiced",
                700..820 => "Awaiting Parts",
                820..900 => "On Hold",
                900..950 => "Paused",
                _ => "Cancelled",
            },
            0 => match r {
                0..150 => "Completed",
                150..300 => "Dispatched",
                300..450 => "On The Way",
                450..600 => "On Site",
                600..750 => "Started",
                750..850 => "Delayed",
                _ => "Scheduled",
            },
            _ => match r {
                0..820 => "Scheduled",
                820..950 => "Unscheduled",
                _ => "Cancelled",
            },
        }
    }

    fn jobs(&mut self) {
        let mut offsets: Vec<i64> = (JOBS_TODAY..JOBS).map(|_| self.range(-730, 30)).collect();
        offsets.extend([0; JOBS_TODAY]);
        offsets.sort_unstable();
        let mut invoice_number = FIRST_INVOICE_NUMBER;
        for (i, offset) in offsets.into_iter().enumerate() {
            let id = JOB_IDS + i as i64;
            let customer_id = self.pick(&self.serviceable.clone());
            let Some(customer) = self.store.customers.get(&customer_id).cloned() else {
                continue;
            };
            let commercial = customer.industry.as_deref() != Some("Residential");
            let kind = self.weighted(KINDS, |k| k.weight);
            let status_name = self.job_status(offset);
            let status_id = self.status(status_name);
            let closed = self.store.is_closed(status_id);
            let cancelled = status_name == "Cancelled";
            let scheduled = status_name != "Unscheduled";
            let start = scheduled.then(|| self.day(offset));
            let install = kind.name == "HVAC Installation";
            let window = self.pick(&[8 * 60, 8 * 60, 10 * 60, 12 * 60, 14 * 60]);
            let hours = self.range(kind.hours.0, kind.hours.1);
            let end = start.map(|s| shift(s, if install && self.chance(0.4) { 1 } else { 0 }));
            let created_day = match start {
                Some(s) => self.days_before(s, 1, 10),
                None => self.some_day(-5, 0),
            };
            let created = self.office(created_day);
            let crew = if install || self.chance(0.2) { 2 } else { 1 };
            let techs = self.techs_for(kind.trade, crew);
            let overrun = self.range(0, 90);
            let finished_at = start.map(|s| self.at(s, window + hours * 60 + overrun));
            let closed_at = if cancelled {
                Some(created + TimeDelta::hours(self.range(2, 40)))
            } else if closed {
                finished_at
            } else {
                None
            };
            let closed_at = closed_at.map(|t| t.min(self.cap).max(created));
            let contact = if customer.contacts.len() > 1 && self.chance(0.3) {
                customer.contacts.get(1)
            } else {
                customer.primary_contact()
            };
            let location = if customer.locations.len() > 1 && self.chance(0.3) {
                customer.locations.get(1)
            } else {
                customer.primary_location()
            };
            let done = closed && !cancelled;
            let worked = done
                || matches!(
                    status_name,
                    "Awaiting Parts" | "On Hold" | "Paused" | "On Site" | "Started"
                );
            let description = self.pick(kind.descriptions).to_owned();
            let mut order = Order {
                id,
                number: (FIRST_JOB_NUMBER + i as i64).to_string(),
                check_number: None,
                priority: if self.chance(0.1) {
                    Priority::High
                } else if self.chance(0.05) {
                    Priority::Low
                } else {
                    Priority::Normal
                },
                description: Some(description),
                tech_notes: self.chance(0.3).then(|| self.pick(TECH_NOTES).to_owned()),
                completion_notes: done.then(|| self.pick(kind.completion).to_owned()),
                duration: hours * 3600,
                promised_start: scheduled.then(|| hhmm(window)),
                promised_end: scheduled.then(|| hhmm(window + 120)),
                start_date: start,
                end_date: end,
                created_at: created,
                updated_at: closed_at.unwrap_or(created),
                customer_id,
                status_id,
                sub_status: match status_name {
                    "Awaiting Parts" => Some("Parts ordered".to_owned()),
                    "On Hold" => Some("Waiting on customer approval".to_owned()),
                    _ => None,
                },
                contact_id: contact.map(|c| c.id),
                contact_first_name: contact.map(|c| c.fname.clone()),
                contact_last_name: contact.map(|c| c.lname.clone()),
                address: location.map(Address::from_location).unwrap_or_default(),
                category_id: Some(self.category(kind.name)),
                source_id: Some(if offset > -365 && self.chance(0.4) {
                    SOURCE_IDS + 6
                } else {
                    SOURCE_IDS + self.range(0, SOURCES.len() as i64 - 1)
                }),
                payment_type_id: customer.payment_type_id,
                customer_payment_terms: customer.payment_terms.clone(),
                project: install.then(|| "System Replacement".to_owned()),
                phase: None,
                po_number: (commercial && self.chance(0.6))
                    .then(|| format!("PO-{}", self.digits(5))),
                contract: customer.assigned_contract.clone(),
                note_to_customer: (done && self.chance(0.3))
                    .then(|| "Thank you for choosing Lone Star Comfort Services!".to_owned()),
                called_in_by: self
                    .chance(0.5)
                    .then(|| contact.map(Contact::full_name))
                    .flatten(),
                is_requires_follow_up: self.chance(0.05),
                agents: if install {
                    vec![self.pick(&self.sales.clone())]
                } else {
                    Vec::new()
                },
                techs: techs.clone(),
                // Lines, attachments, payments and the rest are filled in below.
                ..Order::default()
            };
            self.fill_order(&mut order, kind, &customer, true, worked, created);
            let mut job = Job {
                order,
                closed_at,
                labor_charges: Vec::new(),
                expenses: Vec::new(),
                visits: Vec::new(),
                invoice_ids: Vec::new(),
            };
            self.work(
                &mut job,
                &customer,
                &techs,
                status_name,
                window,
                hours,
                worked,
            );
            // Warranty work is invoiced too, at $0.
            if done {
                let invoice_id = INVOICE_IDS + self.store.invoices.len() as i64;
                self.bill(
                    &mut job,
                    &customer,
                    status_name,
                    invoice_id,
                    invoice_number,
                    offset,
                );
                invoice_number += 1;
            }
            self.store.jobs.insert(id, job);
        }
        self.store.next.job_number = FIRST_JOB_NUMBER + JOBS as i64 - 1;
    }

    /// Lines, equipment, notes and attachments common to jobs and estimates.
    fn fill_order(
        &mut self,
        o: &mut Order,
        kind: &Kind,
        customer: &Customer,
        lines: bool,
        worked: bool,
        at: Timestamp,
    ) {
        let commercial = customer.industry.as_deref() != Some("Residential");
        let hourly = customer.labor_charge_type.as_deref() == Some("hourly");
        if lines {
            for s in kind.services {
                let per_hour = s.0.ends_with("Labor") && s.1 == "Labor per hour";
                if per_hour && hourly {
                    // Hourly customers pay logged labor instead of a labor line.
                    continue;
                }
                let multiplier = if per_hour {
                    self.pick(&[1.0, 1.5, 2.0, 2.5])
                } else {
                    1.0
                };
                if o.services.is_empty() || self.chance(0.6) {
                    o.services
                        .push(self.line(ItemKind::Service, s, multiplier, false, at));
                }
            }
            let parts = if kind.products.is_empty() {
                0
            } else {
                self.range(
                    if kind.name == "HVAC Installation" {
                        2
                    } else {
                        0
                    },
                    3,
                )
            };
            for _ in 0..parts {
                let p = self.pick(kind.products);
                if o.products.iter().any(|x| x.name == p.0) {
                    continue;
                }
                let quantity = if p.0.ends_with("(lb)") {
                    self.range(2, 6) as f64
                } else {
                    1.0
                };
                o.products.push(self.line(
                    ItemKind::Product,
                    &p,
                    quantity,
                    customer.is_taxable,
                    at,
                ));
            }
        }
        if customer.discount_type.as_deref() == Some("%") && !o.services.is_empty() {
            o.other_charges.push(OtherCharge {
                name: "Comfort Club Discount".to_owned(),
                other_charge_id: 248,
                rate: cents(customer.discount.unwrap_or(15.0)),
                is_percentage: true,
                is_discount: true,
                created_at: at,
                updated_at: at,
            });
        }
        if commercial && self.chance(0.2) {
            o.other_charges.push(OtherCharge {
                name: "After-Hours Fee".to_owned(),
                other_charge_id: 251,
                rate: cents(95.0),
                is_percentage: false,
                is_discount: false,
                created_at: at,
                updated_at: at,
            });
        }
        let linked: Vec<i64> = self
            .store
            .equipment
            .values()
            .filter(|e| e.customer_id == customer.id && kind.equipment.contains(&e.kind.as_str()))
            .map(|e| e.id)
            .collect();
        if !linked.is_empty() && self.chance(0.7) {
            o.equipment.push(self.pick(&linked));
        }
        for _ in 0..self.range(0, 2) {
            if self.chance(0.5) {
                o.notes.push(Note {
                    text: self.pick(NOTES).to_owned(),
                    created_at: at,
                    updated_at: at,
                });
            }
        }
        if self.chance(0.12) {
            o.tasks.push(Task {
                kind: "Misc".to_owned(),
                description: self
                    .pick(&[
                        "Call customer 30 minutes before arrival",
                        "Confirm parts are on the truck",
                        "Take before and after photos",
                    ])
                    .to_owned(),
                start_time: None,
                start_date: o.start_date,
                end_date: None,
                is_completed: worked,
                created_at: at,
                updated_at: at,
            });
        }
        if worked && self.chance(0.2) {
            let stamp = at.timestamp();
            for what in ["before", "after"] {
                let name = format!("{stamp}_{what}.jpg");
                o.pictures.push(Attachment {
                    file_location: name.clone(),
                    name,
                    comment: None,
                    is_private: false,
                    customer_doc_id: self.doc_id(),
                    created_at: at,
                });
            }
        }
        if kind.name == "HVAC Installation" {
            let permit = format!("BP-{}-{}", at.format("%Y"), self.digits(6));
            o.custom_fields
                .push(self.custom(&ORDER_FIELDS[0], Value::from(permit), at));
            let stamp = at.timestamp();
            for doc in ["Permit", "Warranty-Registration"] {
                let name = format!("{doc}-{}.pdf", o.number);
                o.documents.push(Attachment {
                    file_location: format!("{stamp}_{name}"),
                    name,
                    comment: None,
                    is_private: doc == "Permit",
                    customer_doc_id: self.doc_id(),
                    created_at: at,
                });
            }
        }
        if kind.name == "Warranty Callback" {
            o.custom_fields
                .push(self.custom(&ORDER_FIELDS[1], Value::from(true), at));
        }
    }

    /// Visits, logged labor, expenses and the signature of a job.
    #[allow(
        clippy::too_many_arguments,
        reason = "the job's plan, named at the call"
    )]
    fn work(
        &mut self,
        job: &mut Job,
        customer: &Customer,
        techs: &[i64],
        status: &str,
        window: i64,
        hours: i64,
        worked: bool,
    ) {
        let Some(start) = job.order.start_date else {
            return;
        };
        let tech_status = match status {
            "Completed" | "Invoiced" => "Completed",
            "Cancelled" => "Cancelled",
            "Awaiting Parts" | "On Hold" | "Paused" => "Paused",
            "Scheduled" | "Delayed" => "Scheduled",
            other => other,
        };
        let visits = if job.order.end_date != job.order.start_date {
            2
        } else {
            1
        };
        for v in 0..visits {
            job.visits.push(Visit {
                notes_for_techs: job.order.tech_notes.clone(),
                promised_start: Some(hhmm(window)),
                promised_end: Some(hhmm(window + 120)),
                duration: hours * 3600 / visits,
                is_text_notified: self.chance(0.7),
                is_voice_notified: false,
                start_date: Some(shift(start, v)),
                techs: techs.iter().map(|t| (*t, tech_status.to_owned())).collect(),
            });
        }
        if !worked {
            return;
        }
        let hourly = customer.labor_charge_type.as_deref() == Some("hourly");
        let rate = customer.labor_charge_default_rate.unwrap_or(cents(125.0));
        for t in techs {
            let drive = self.range(15, 50);
            let labor = hours * 60 + self.range(-20, 40);
            job.labor_charges.push(LaborCharge {
                tech_id: *t,
                drive_minutes: drive,
                drive_rate: rate / 2,
                drive_start: Some(hhmm(window - drive)),
                drive_end: Some(hhmm(window)),
                is_drive_time_billed: hourly && customer.is_bill_for_drive_time,
                labor_minutes: labor,
                labor_rate: rate,
                labor_start: Some(hhmm(window)),
                labor_end: Some(hhmm(window + labor)),
                is_labor_time_billed: hourly,
                labor_date: start,
                created_at: self.at(start, window + labor),
            });
        }
        if self.chance(0.1) {
            job.expenses.push(Expense {
                purchased_from: self.pick(SUPPLY_HOUSES).to_owned(),
                notes: Some("Materials picked up on the way".to_owned()),
                amount: cents(self.range(20, 300) as f64 + 0.49),
                is_billable: self.chance(0.5),
                date: start,
                tech_id: techs.first().copied(),
                category: "Materials".to_owned(),
                created_at: self.at(start, window),
            });
        }
        if status != "Cancelled" && job.closed_at.is_some() && self.chance(0.7) {
            let at = job.closed_at.unwrap_or(self.cap);
            job.order.signatures.push(Signature {
                kind: "COMPLETION".to_owned(),
                file_name: format!(
                    "https://servicefusion.s3.amazonaws.com/images/sign/{}-{}.png",
                    job.order.id,
                    at.format("%Y-%m-%d-%H-%M-%S")
                ),
                created_at: at,
            });
        }
    }

    /// The invoice of a finished job and the payments against it.
    fn bill(
        &mut self,
        job: &mut Job,
        customer: &Customer,
        status: &str,
        invoice_id: i64,
        number: i64,
        offset: i64,
    ) {
        let date = job
            .order
            .end_date
            .or(job.order.start_date)
            .unwrap_or(self.today);
        let closed = job.closed_at.unwrap_or(self.cap);
        let total = job.totals().total;
        let mailed = status == "Invoiced";
        // Paid on the spot (Completed), or later against the invoice; recent invoices
        // are less often paid yet.
        let paid_share = match (status, offset) {
            ("Completed", _) => 1.0,
            (_, ..-30) if self.chance(0.92) => 1.0,
            (_, ..-30) => {
                if self.chance(0.5) {
                    0.5
                } else {
                    0.0
                }
            }
            _ => {
                if self.chance(0.5) {
                    1.0
                } else {
                    0.0
                }
            }
        };
        let amount = (total as f64 * paid_share).round() as i64;
        if amount > 0 {
            let type_id = customer
                .payment_type_id
                .filter(|_| status != "Completed" || self.chance(0.7))
                .unwrap_or(self.payment_type("CC"));
            let check = self
                .store
                .payment_types
                .get(&type_id)
                .is_some_and(|p| p.code == "CHECK");
            let days = if status == "Completed" {
                0
            } else {
                self.range(3, 28)
            };
            let received = shift(date, days).min(shift(self.today, -1)).max(date);
            self.next_payment += 1;
            let reference = check.then(|| self.digits(4));
            if check {
                job.order.check_number = reference.clone();
            }
            job.order.payments.push(Payment {
                id: self.next_payment,
                payment_type_id: type_id,
                amount,
                received_on: received,
                memo: None,
                reference_number: reference,
                invoice_id: Some(invoice_id),
                created_at: self.at(received, 16 * 60).max(closed),
            });
            job.order.updated_at = job.order.updated_at.max(self.at(received, 16 * 60));
        }
        let contact_id = job.order.contact_id;
        let location_id = customer
            .locations
            .iter()
            .find(|l| Some(&l.street_1) == job.order.address.street_1.as_ref())
            .map(|l| l.id);
        let qbo = self.chance(0.6);
        self.store.invoices.insert(
            invoice_id,
            Invoice {
                id: invoice_id,
                number,
                customer_id: customer.id,
                location_id,
                contact_id,
                po_number: job.order.po_number.clone(),
                terms: customer
                    .payment_terms
                    .clone()
                    .unwrap_or_else(|| "DUR".to_owned()),
                customer_message: mailed.then(|| "Thank you for your business!".to_owned()),
                notes: None,
                total,
                is_paid: amount >= total,
                date,
                mail_send_date: mailed
                    .then(|| closed + TimeDelta::hours(2))
                    .map(|t| t.min(self.cap)),
                qbo_synced_date: qbo
                    .then(|| closed + TimeDelta::hours(6))
                    .map(|t| t.min(self.cap)),
                created_at: closed,
                updated_at: closed,
            },
        );
        job.invoice_ids.push(invoice_id);
    }

    // ---- estimates ----

    fn estimate_status(&mut self, offset: i64) -> &'static str {
        let r = self.range(0, 999);
        match offset {
            1.. => {
                if r < 700 {
                    "Estimate Scheduled"
                } else {
                    "Estimate Requested"
                }
            }
            -14..=0 => match r {
                0..200 => "Estimate Requested",
                200..800 => "Estimate Sent",
                800..950 => "Won",
                _ => "Lost",
            },
            _ => match r {
                0..450 => "Won",
                450..850 => "Lost",
                850..900 => "Cancelled",
                _ => "Estimate Sent",
            },
        }
    }

    fn estimates(&mut self) {
        let mut offsets: Vec<i64> = (0..ESTIMATES).map(|_| self.range(-540, 21)).collect();
        offsets.sort_unstable();
        for (i, offset) in offsets.into_iter().enumerate() {
            let id = ESTIMATE_IDS + i as i64;
            let customer_id = self.pick(&self.serviceable.clone());
            let Some(customer) = self.store.customers.get(&customer_id).cloned() else {
                continue;
            };
            let commercial = customer.industry.as_deref() != Some("Residential");
            let (category, options) = *self.weighted(ESTIMATE_OPTIONS, |(c, _)| match *c {
                "HVAC Installation" => 6,
                "Water Heater Service" => 2,
                _ => 1,
            });
            let kind = KINDS
                .iter()
                .find(|k| k.name == category)
                .unwrap_or(&KINDS[0]);
            let status_name = self.estimate_status(offset);
            let start = self.day(offset);
            let created_day = self.days_before(start, 1, 7);
            let created = self.office(created_day);
            let owner = self.pick(&self.sales.clone());
            let window = self.pick(&[9 * 60, 11 * 60, 13 * 60, 15 * 60]);
            let contact = customer.primary_contact();
            let location = customer.primary_location();
            let updated = match status_name {
                "Won" | "Lost" | "Cancelled" | "Estimate Sent" => {
                    let decided = self.days_before(start, -10, 0);
                    self.at(decided, 17 * 60)
                }
                _ => created,
            }
            .max(created);
            let mut order = Order {
                id,
                number: (FIRST_ESTIMATE_NUMBER + i as i64).to_string(),
                check_number: None,
                priority: Priority::Normal,
                description: Some(format!(
                    "{category} estimate: {}",
                    self.pick(kind.descriptions)
                )),
                tech_notes: None,
                completion_notes: None,
                duration: 3600,
                promised_start: Some(hhmm(window)),
                promised_end: Some(hhmm(window + 60)),
                start_date: Some(start),
                end_date: Some(start),
                created_at: created,
                updated_at: updated,
                customer_id,
                status_id: self.status(status_name),
                sub_status: None,
                contact_id: contact.map(|c| c.id),
                contact_first_name: contact.map(|c| c.fname.clone()),
                contact_last_name: contact.map(|c| c.lname.clone()),
                address: location.map(Address::from_location).unwrap_or_default(),
                category_id: Some(self.category(category)),
                source_id: Some(SOURCE_IDS + self.range(0, SOURCES.len() as i64 - 1)),
                payment_type_id: customer.payment_type_id,
                customer_payment_terms: customer.payment_terms.clone(),
                project: None,
                phase: None,
                po_number: (commercial && self.chance(0.3))
                    .then(|| format!("PO-{}", self.digits(5))),
                contract: customer.assigned_contract.clone(),
                note_to_customer: Some("This estimate is valid for 30 days.".to_owned()),
                called_in_by: contact.map(Contact::full_name),
                is_requires_follow_up: status_name == "Estimate Sent",
                agents: vec![owner],
                techs: vec![owner],
                // Lines, attachments, payments and the rest are filled in below.
                ..Order::default()
            };
            let quoted = self.range(1, options.len().min(3) as i64);
            for q in 0..quoted as usize {
                let l = options[(q + i) % options.len()];
                let product = !l.0.contains("Labor") && !l.0.contains("Installation");
                let kind = if product {
                    ItemKind::Product
                } else {
                    ItemKind::Service
                };
                let taxable = product && customer.is_taxable;
                let line = self.line(kind, &l, 1.0, taxable, created);
                if product {
                    order.products.push(line);
                } else {
                    order.services.push(line);
                }
            }
            self.fill_order(&mut order, kind, &customer, false, false, created);
            if status_name == "Won" && self.chance(0.4) {
                let total = order.totals(0, 0, 0).total;
                self.next_payment += 1;
                let pay = self.pick(&["CC", "FIN", "CHECK"]);
                order.payments.push(Payment {
                    id: self.next_payment,
                    payment_type_id: self.payment_type(pay),
                    amount: total * 3 / 10,
                    received_on: shift(start, 1).min(shift(self.today, -1)).max(start),
                    memo: Some("30% deposit".to_owned()),
                    reference_number: None,
                    invoice_id: None,
                    created_at: updated,
                });
            }
            let mut tags = Vec::new();
            for _ in 0..self.range(0, 2) {
                let t = self.pick(ESTIMATE_TAGS);
                if !tags.iter().any(|x: &Tag| x.tag == t) {
                    tags.push(Tag {
                        tag: t.to_owned(),
                        created_at: created,
                    });
                }
            }
            let rating = self.range(1, 5);
            self.store.estimates.insert(
                id,
                Estimate {
                    order,
                    opportunity_rating: Some(rating),
                    opportunity_owner: Some(owner),
                    tags,
                },
            );
        }
        self.store.next.estimate_number = FIRST_ESTIMATE_NUMBER + ESTIMATES as i64 - 1;
    }

    // ---- the calendar ----

    fn calendar(&mut self) {
        let everyone: Vec<i64> = self.store.techs.keys().copied().collect();
        let field: Vec<i64> = self
            .store
            .techs
            .values()
            .filter(|t| t.is_field_worker)
            .map(|t| t.id)
            .collect();
        let jobs = self.around_today(self.store.jobs.values().map(|j| &j.order), 14);
        let estimates = self.around_today(self.store.estimates.values().map(|e| &e.order), 30);

        // Repeating tasks first: the weekly meeting and the monthly truck inventory.
        let monday = self.day(-14);
        let repeating = [
            (
                "Meeting",
                "Weekly team safety meeting",
                "Weekly",
                7 * 60 + 30,
                everyone.clone(),
            ),
            (
                "Task",
                "Monthly truck inventory and restock",
                "Monthly",
                15 * 60,
                field.clone(),
            ),
        ];
        for (n, (kind, description, repeat_type, start, users)) in repeating.into_iter().enumerate()
        {
            let id = CALENDAR_IDS + self.store.calendar_tasks.len() as i64;
            let begins = shift(monday, -(n as i64) * 30);
            let at = self.at(shift(begins, -3), 10 * 60);
            let (repeat_start, repeat_end) = (self.at(begins, 0), self.at(shift(begins, 365), 0));
            self.store.calendar_tasks.insert(
                id,
                CalendarTask {
                    id,
                    kind: kind.to_owned(),
                    description: description.to_owned(),
                    start_time: Some(hhmm(start)),
                    end_time: Some(hhmm(start + 60)),
                    start_date: begins,
                    end_date: None,
                    created_at: at,
                    updated_at: at,
                    is_public: true,
                    is_completed: false,
                    repeat: Some(Repeat {
                        id: 90 + n as i64,
                        repeat_type: repeat_type.to_owned(),
                        repeat_frequency: 1,
                        repeat_weekly_days: if repeat_type == "Weekly" {
                            vec!["Monday".to_owned()]
                        } else {
                            Vec::new()
                        },
                        stop_repeat_type: "Never".to_owned(),
                        stop_repeat_on_occurrence: None,
                        stop_repeat_on_date: None,
                        start_date: repeat_start,
                        end_date: repeat_end,
                    }),
                    users,
                    customers: Vec::new(),
                    jobs: Vec::new(),
                    estimates: Vec::new(),
                },
            );
        }

        while self.store.calendar_tasks.len() < CALENDAR_TASKS {
            let id = CALENDAR_IDS + self.store.calendar_tasks.len() as i64;
            let offset = self.range(-14, 14);
            let date = self.day(offset);
            let (kind, template) = self.pick(CALENDAR_TEMPLATES);
            let mut customers = Vec::new();
            let mut job_ids = Vec::new();
            let mut estimate_ids = Vec::new();
            let mut description = template.to_owned();
            if template.contains("{job}") && !jobs.is_empty() {
                let (job, customer, number) = self.pick_ref(&jobs);
                description = description.replace("{job}", &number);
                job_ids.push(job);
                customers.push(customer);
            }
            if template.contains("{estimate}") && !estimates.is_empty() {
                let (estimate, customer, number) = self.pick_ref(&estimates);
                description = description.replace("{estimate}", &number);
                estimate_ids.push(estimate);
                if !customers.contains(&customer) {
                    customers.push(customer);
                }
            }
            if template.contains("{customer}") {
                let customer = match customers.first() {
                    Some(c) => *c,
                    None => {
                        let c = self.pick(&self.serviceable.clone());
                        customers.push(c);
                        c
                    }
                };
                let name = self
                    .store
                    .customers
                    .get(&customer)
                    .map(|c| c.name.clone())
                    .unwrap_or_default();
                description = description.replace("{customer}", &name);
            }
            let mut users = vec![self.pick(&everyone)];
            if self.chance(0.15) {
                let other = self.pick(&field);
                if !users.contains(&other) {
                    users.push(other);
                }
            }
            let start = self.range(7 * 4, 16 * 4) * 15;
            let length = self.pick(&[15, 30, 30, 60, 90, 120]);
            let created_day = self.days_before(date.min(self.today), 1, 10);
            let created = self.office(created_day);
            let is_public = self.chance(0.5);
            let is_completed = offset < 0 && self.chance(0.85);
            self.store.calendar_tasks.insert(
                id,
                CalendarTask {
                    id,
                    kind: kind.to_owned(),
                    description,
                    start_time: Some(hhmm(start)),
                    end_time: Some(hhmm(start + length)),
                    start_date: date,
                    end_date: None,
                    created_at: created,
                    updated_at: created,
                    is_public,
                    is_completed,
                    repeat: None,
                    users,
                    customers,
                    jobs: job_ids,
                    estimates: estimate_ids,
                },
            );
        }
    }

    /// The orders that start within `days` of today, as `(id, customer, number)`.
    fn around_today<'o>(
        &self,
        orders: impl Iterator<Item = &'o Order>,
        days: i64,
    ) -> Vec<(i64, i64, String)> {
        orders
            .filter(|o| {
                o.start_date
                    .is_some_and(|d| (d - self.today).num_days().abs() <= days)
            })
            .map(|o| (o.id, o.customer_id, o.number.clone()))
            .collect()
    }

    fn pick_ref(&mut self, items: &[(i64, i64, String)]) -> (i64, i64, String) {
        let i = self.rng.random_range(0..items.len());
        items[i].clone()
    }

    // ---- consistency ----

    /// What customers show that follows from their jobs: when they were last serviced
    /// and what they owe. Then the counters for records created through the API.
    fn finish(&mut self) {
        let mut last: std::collections::HashMap<i64, NaiveDate> = Default::default();
        let mut owed: std::collections::HashMap<i64, i64> = Default::default();
        for j in self.store.jobs.values() {
            if j.invoice_ids.is_empty() {
                continue;
            }
            if let Some(d) = j.order.start_date {
                let e = last.entry(j.order.customer_id).or_insert(d);
                *e = (*e).max(d);
            }
            let due = j.totals().due;
            if due > 0 {
                *owed.entry(j.order.customer_id).or_default() += due;
            }
        }
        for c in self.store.customers.values_mut() {
            c.last_serviced_date = last.get(&c.id).copied();
            c.account_balance = owed.get(&c.id).copied().unwrap_or(0);
        }
        self.store.next.sub_id = self.next_sub;
        self.store.next.account_number = FIRST_ACCOUNT_NUMBER + self.store.customers.len() as i64;
        self.store.next.customer_doc_id = self.next_doc;
    }
}

fn next_customer_id(store: &Store) -> i64 {
    CUSTOMER_IDS + store.customers.len() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 15).unwrap_or_default()
    }

    #[test]
    fn the_same_day_gives_the_same_company() {
        let a = company(day());
        let b = company(day());
        assert_eq!(a.customers.len(), b.customers.len());
        let name = |s: &Store| {
            s.customers
                .values()
                .map(|c| c.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(name(&a), name(&b));
        let totals = |s: &Store| s.jobs.values().map(|j| j.totals().total).sum::<i64>();
        assert_eq!(totals(&a), totals(&b));
    }

    #[test]
    fn any_day_gives_the_same_counts() {
        let a = company(day());
        let b = company(NaiveDate::from_ymd_opt(2031, 1, 2).unwrap_or_default());
        assert_eq!(a.jobs.len(), b.jobs.len());
        assert_eq!(a.invoices.len(), b.invoices.len());
        assert_eq!(a.equipment.len(), b.equipment.len());
    }

    #[test]
    fn nothing_seeded_is_in_the_future() {
        let s = company(day());
        let cap = day().and_time(NaiveTime::MIN).and_utc();
        assert!(
            s.jobs
                .values()
                .all(|j| j.order.created_at <= cap && j.order.updated_at <= cap)
        );
        assert!(
            s.jobs
                .values()
                .all(|j| j.closed_at.is_none_or(|t| t <= cap))
        );
        assert!(s.invoices.values().all(|i| i.created_at <= cap));
    }

    #[test]
    fn invoices_match_their_jobs() {
        let s = company(day());
        for j in s.jobs.values() {
            for i in j.invoice_ids.iter().filter_map(|id| s.invoices.get(id)) {
                assert_eq!(j.totals().total, i.total);
                assert_eq!(j.totals().due <= 0, i.is_paid);
            }
        }
    }
}
