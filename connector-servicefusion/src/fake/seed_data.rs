//! The fixed tables the seed draws from: the company's people and lookups, Central Texas
//! places, names, what each kind of job sells, and the equipment makers. Plain data, so
//! `seed` reads as the story of the company.

/// A technician or office user: first, last, gender, department, title, sales rep,
/// field worker, bio.
pub struct Person {
    pub first: &'static str,
    pub last: &'static str,
    pub gender: &'static str,
    pub department: &'static str,
    pub title: &'static str,
    pub sales: bool,
    pub field: bool,
    pub bio: Option<&'static str>,
}

const fn person(
    first: &'static str,
    last: &'static str,
    gender: &'static str,
    department: &'static str,
    title: &'static str,
    sales: bool,
    field: bool,
) -> Person {
    Person {
        first,
        last,
        gender,
        department,
        title,
        sales,
        field,
        bio: None,
    }
}

/// A field technician: not a sales rep.
const fn tech(
    first: &'static str,
    last: &'static str,
    gender: &'static str,
    department: &'static str,
    title: &'static str,
) -> Person {
    person(first, last, gender, department, title, false, true)
}

pub const COMPANY_DOMAIN: &str = "lonestarcomfort.example";

/// The first one is the API user (the owner).
pub const PEOPLE: &[Person] = &[
    Person {
        bio: Some("Founded Lone Star Comfort in 2009 after fifteen years in the trade."),
        ..person(
            "Dana",
            "Whitfield",
            "F",
            "Management",
            "Owner / General Manager",
            true,
            false,
        )
    },
    Person {
        bio: Some("NATE-certified, 14 years on residential and light commercial systems."),
        ..tech("Marcus", "Reyes", "M", "HVAC", "Lead HVAC Technician")
    },
    tech("Tyler", "Nguyen", "M", "HVAC", "HVAC Service Technician"),
    tech("Jamal", "Carter", "M", "HVAC", "HVAC Service Technician"),
    tech("Cody", "Brennan", "M", "HVAC", "HVAC Installer"),
    tech("Aaron", "Mitchell", "M", "HVAC", "HVAC Apprentice"),
    Person {
        bio: Some("EPA Universal certified; walk-ins, ice machines and rooftop units."),
        ..tech(
            "Chris",
            "Walker",
            "M",
            "HVAC",
            "Commercial Refrigeration Technician",
        )
    },
    Person {
        bio: Some("Texas Master Plumber, licensed since 2006."),
        ..tech("Luis", "Hernandez", "M", "Plumbing", "Master Plumber")
    },
    tech("Brandon", "O'Neal", "M", "Plumbing", "Journeyman Plumber"),
    tech("Kevin", "Tran", "M", "Plumbing", "Journeyman Plumber"),
    tech("Hector", "Garza", "M", "Plumbing", "Drain Specialist"),
    tech("Ray", "Delgado", "M", "Plumbing", "Plumbing Apprentice"),
    Person {
        bio: Some("Helps homeowners choose the right system and financing."),
        ..person("Sarah", "Kim", "F", "Sales", "Comfort Advisor", true, true)
    },
    person(
        "Mike",
        "Patterson",
        "M",
        "Sales",
        "Comfort Advisor",
        true,
        true,
    ),
    person(
        "Travis",
        "Boone",
        "M",
        "HVAC",
        "Service Manager",
        true,
        true,
    ),
    person("Jenna", "Lopez", "F", "Office", "Dispatcher", false, false),
];

pub const COLORS: &[&str] = &[
    "#356a9f", "#c0392b", "#27ae60", "#8e44ad", "#d35400", "#16a085", "#2c3e50", "#f39c12",
    "#2980b9", "#7f8c8d", "#e67e22", "#1abc9c", "#9b59b6", "#34495e", "#e74c3c", "#95a5a6",
];

/// Job statuses: code, name, custom, category (`A` open-active, `I` open-inactive, `C`
/// closed), scope (`J` jobs, `E` estimates, `B` both).
pub const STATUSES: &[(&str, &str, bool, char, char)] = &[
    ("01_UNS", "Unscheduled", false, 'I', 'J'),
    ("02_SCH", "Scheduled", false, 'A', 'J'),
    ("03_DIS", "Dispatched", false, 'A', 'J'),
    ("04_OTW", "On The Way", true, 'A', 'J'),
    ("05_DEL", "Delayed", false, 'A', 'J'),
    ("06_ONS", "On Site", true, 'A', 'J'),
    ("07_STA", "Started", false, 'A', 'J'),
    ("08_PAU", "Paused", false, 'A', 'J'),
    ("09_PRT", "Awaiting Parts", true, 'I', 'J'),
    ("10_HLD", "On Hold", false, 'I', 'J'),
    ("11_CMP", "Completed", false, 'C', 'J'),
    ("12_INV", "Invoiced", false, 'C', 'J'),
    ("13_CAN", "Cancelled", false, 'C', 'B'),
    ("20_ERQ", "Estimate Requested", false, 'I', 'E'),
    ("21_ESC", "Estimate Scheduled", true, 'A', 'E'),
    ("22_ESN", "Estimate Sent", false, 'A', 'E'),
    ("23_WON", "Won", false, 'C', 'E'),
    ("24_LST", "Lost", false, 'C', 'E'),
];

pub const SOURCES: &[(&str, &str)] = &[
    ("Google Search", "Google organic search results"),
    ("Google Ads", "Google Ads pay-per-click campaigns"),
    ("Google LSA", "Google Local Services Ads"),
    ("Yelp", "Yelp business listing and reviews"),
    ("Nextdoor", "Nextdoor neighborhood recommendations"),
    ("Customer Referral", "Referred by an existing customer"),
    ("Repeat Customer", "Returning customer"),
    ("Truck Wrap", "Saw one of our branded service trucks"),
];

/// Payment types: code, short name, type, custom.
pub const PAYMENT_TYPES: &[(&str, &str, &str, bool)] = &[
    ("CASH", "Cash", "CASH", false),
    ("CHECK", "Check", "CHECK", false),
    ("CC", "Credit Card", "CC", false),
    ("BILL", "Direct Bill", "BILL", false),
    ("ACH", "ACH Transfer", "ACH", true),
    ("FIN", "Financing", "OTHER", true),
];

/// City, ZIP codes, area codes, latitude, longitude, weight.
pub struct City {
    pub name: &'static str,
    pub zips: &'static [&'static str],
    pub area_codes: &'static [&'static str],
    pub lat: f64,
    pub lon: f64,
    pub weight: u32,
}

pub const CITIES: &[City] = &[
    City {
        name: "Austin",
        zips: &[
            "78701", "78702", "78703", "78704", "78723", "78731", "78745", "78748", "78751",
            "78757",
        ],
        area_codes: &["512", "737"],
        lat: 30.2672,
        lon: -97.7431,
        weight: 40,
    },
    City {
        name: "Round Rock",
        zips: &["78664", "78665", "78681"],
        area_codes: &["512"],
        lat: 30.5083,
        lon: -97.6789,
        weight: 10,
    },
    City {
        name: "Cedar Park",
        zips: &["78613"],
        area_codes: &["512"],
        lat: 30.5052,
        lon: -97.8203,
        weight: 8,
    },
    City {
        name: "Pflugerville",
        zips: &["78660"],
        area_codes: &["512", "737"],
        lat: 30.4394,
        lon: -97.62,
        weight: 7,
    },
    City {
        name: "Georgetown",
        zips: &["78626", "78628", "78633"],
        area_codes: &["512"],
        lat: 30.6333,
        lon: -97.678,
        weight: 7,
    },
    City {
        name: "Leander",
        zips: &["78641"],
        area_codes: &["512"],
        lat: 30.5788,
        lon: -97.8531,
        weight: 6,
    },
    City {
        name: "Kyle",
        zips: &["78640"],
        area_codes: &["512"],
        lat: 29.9891,
        lon: -97.8772,
        weight: 5,
    },
    City {
        name: "Buda",
        zips: &["78610"],
        area_codes: &["512"],
        lat: 30.0852,
        lon: -97.8403,
        weight: 4,
    },
    City {
        name: "San Marcos",
        zips: &["78666"],
        area_codes: &["512", "737"],
        lat: 29.8833,
        lon: -97.9414,
        weight: 4,
    },
    City {
        name: "Lakeway",
        zips: &["78734", "78738"],
        area_codes: &["512"],
        lat: 30.363,
        lon: -97.9797,
        weight: 4,
    },
    City {
        name: "Dripping Springs",
        zips: &["78620"],
        area_codes: &["512"],
        lat: 30.1902,
        lon: -98.0867,
        weight: 3,
    },
    City {
        name: "Hutto",
        zips: &["78634"],
        area_codes: &["512", "737"],
        lat: 30.5427,
        lon: -97.5467,
        weight: 2,
    },
];

pub const STREETS: &[&str] = &[
    "Oak Hollow Dr",
    "Burnet Rd",
    "Bee Caves Rd",
    "Ranch Road 620 N",
    "Parmer Ln",
    "Mesa Dr",
    "Shoal Creek Blvd",
    "Slaughter Ln",
    "William Cannon Dr",
    "Riverside Dr",
    "Pecan St",
    "Live Oak St",
    "Bluebonnet Ln",
    "Cypress Creek Rd",
    "Brushy Creek Rd",
    "Whitestone Blvd",
    "Limestone Ct",
    "Mockingbird Ln",
    "Mesquite Trl",
    "Cactus Wren Way",
    "Sendero Hills Pkwy",
    "Old Settlers Blvd",
    "Hidden Valley Dr",
    "Spicewood Springs Rd",
    "Great Hills Trl",
    "Armadillo Rd",
    "Longhorn Blvd",
    "Chisholm Trl",
    "Pedernales St",
    "Lost Creek Blvd",
    "Windmill Run",
    "Quail Creek Dr",
];

pub const FIRST_NAMES: &[&str] = &[
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Karen",
    "Carlos",
    "Sarah",
    "Daniel",
    "Lisa",
    "Matthew",
    "Nancy",
    "Anthony",
    "Sandra",
    "Mark",
    "Ashley",
    "Steven",
    "Emily",
    "Andrew",
    "Kimberly",
    "Joshua",
    "Donna",
    "Kenneth",
    "Michelle",
    "Brian",
    "Carol",
    "Jose",
    "Amanda",
    "Ryan",
    "Melissa",
    "Juan",
    "Deborah",
    "Eric",
    "Stephanie",
    "Jacob",
    "Rebecca",
    "Gary",
    "Laura",
    "Nicholas",
    "Sharon",
    "Jonathan",
    "Cynthia",
    "Justin",
    "Kathleen",
    "Miguel",
    "Amy",
    "Scott",
    "Angela",
    "Priya",
    "Wei",
    "Hannah",
    "Diego",
    "Olivia",
    "Ethan",
    "Sofia",
    "Noah",
    "Grace",
    "Luis",
];

pub const LAST_NAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Patel",
    "Chen",
    "Kowalski",
    "O'Brien",
    "McAllister",
    "Villarreal",
    "Cavazos",
    "Schneider",
    "Fischer",
    "Okafor",
    "Dubois",
    "Lindqvist",
    "Yamamoto",
    "Svoboda",
    "Delacroix",
    "Whitaker",
    "Holloway",
    "Brennan",
    "Castillo",
    "Salinas",
    "Treviño",
    "Pham",
];

/// Commercial customers: name, industry, taxable.
pub const BUSINESSES: &[(&str, &str, bool)] = &[
    ("Barton Creek Dental", "Dental Offices", true),
    ("Lakeway Animal Clinic", "Veterinary Services", true),
    ("Smith & Sons Hardware", "Retail", true),
    ("O'Malley's Irish Pub", "Restaurants", true),
    ("Hill Country Bakery", "Restaurants", true),
    ("Cedar Park Family Dentistry", "Dental Offices", true),
    ("Bluebonnet Montessori School", "Education", false),
    ("Round Rock Auto Care", "Automotive", true),
    (
        "Brushy Creek Veterinary Hospital",
        "Veterinary Services",
        true,
    ),
    ("Sunset Valley Nail Spa", "Personal Care", true),
    ("Tres Amigos Cantina", "Restaurants", true),
    (
        "Lone Oak Community Church",
        "Religious Organizations",
        false,
    ),
    ("Capital City Coffee Roasters", "Restaurants", true),
    ("Mueller Yoga Studio", "Fitness", true),
    ("Hays County Feed & Supply", "Retail", true),
    ("Kyle Family Pharmacy", "Healthcare", true),
    ("Georgetown Square Antiques", "Retail", true),
    ("Leander Urgent Care", "Healthcare", true),
    ("Austin Print & Sign", "Printing Services", true),
    ("Hutto Hippo Grill", "Restaurants", true),
    ("Bee Cave Orthodontics", "Dental Offices", true),
    ("Dripping Springs Winery", "Wineries", true),
    ("San Marcos River Outfitters", "Retail", true),
    ("Buda Brewing Co.", "Breweries", true),
    ("Lakeline Self Storage", "Storage", true),
    ("Oak Hill Chiropractic", "Healthcare", true),
    ("Travis Heights Bistro", "Restaurants", true),
    ("Zilker Dog Grooming", "Pet Services", true),
    ("Pecan Street Books", "Retail", true),
    ("Main Street Barbershop", "Personal Care", true),
    ("Rosie's Tacos", "Restaurants", true),
    ("Big Tex Tire & Lube", "Automotive", true),
    ("Summit Fitness Cedar Park", "Fitness", true),
    ("Westlake Optometry", "Healthcare", true),
    ("Pflugerville Family Medicine", "Healthcare", true),
    ("Riverside Laundromat", "Laundry Services", true),
    ("Mesa Drive Veterinary Clinic", "Veterinary Services", true),
    ("Longhorn Sports Bar & Grill", "Restaurants", true),
    ("Circle C Child Development Center", "Education", false),
    ("Quail Creek Country Store", "Retail", true),
    ("Blanco River Lodge", "Hospitality", true),
    ("Austin Physical Therapy Group", "Healthcare", true),
    ("The Daily Grind Cafe", "Restaurants", true),
    (
        "Chisholm Trail Insurance Agency",
        "Insurance Agencies",
        true,
    ),
    ("Windmill Run Early Learning", "Education", false),
    ("Hernandez & Associates CPAs", "Accounting", true),
    ("Pedernales Pet Resort", "Pet Services", true),
    ("Cypress Creek Florist", "Retail", true),
    ("Lost Creek Tennis Club", "Fitness", true),
    ("Great Hills Pediatrics", "Healthcare", true),
    ("Armadillo Ice House", "Restaurants", true),
    ("Shoal Creek Law Office", "Legal Services", true),
    ("Spicewood Springs Deli", "Restaurants", true),
    ("Old Settlers Hardware", "Retail", true),
    ("Bluebonnet Realty", "Real Estate", true),
    ("Whitestone Car Wash", "Automotive", true),
    ("Kyle Crossing Dental", "Dental Offices", true),
    ("Mockingbird Music School", "Education", false),
];

/// Property managers (parent customers) and the abbreviation their rentals go by.
pub const PROPERTY_MANAGERS: &[(&str, &str)] = &[
    ("Hill Country Property Management", "HCPM"),
    ("Capital Rental Homes LLC", "CRH"),
    ("Lone Star Multifamily Group", "LSMG"),
];

pub const CONTACT_TITLES: &[(&str, &str)] = &[
    ("Office Manager", "Administration"),
    ("Facilities Manager", "Facilities"),
    ("Owner", "Executive"),
    ("General Manager", "Operations"),
    ("Bookkeeper", "Accounting"),
];

pub const PRIVATE_NOTES: &[&str] = &[
    "Prefers morning appointments.",
    "Dog in the backyard - call before entering.",
    "Call on arrival; doorbell does not work.",
    "Park on the street, driveway is shared.",
    "Customer works from home, quiet please.",
    "Attic access through the garage.",
    "Prefers text messages over calls.",
    "Spanish-speaking household; Luis or Hector preferred.",
];

pub const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A line a job or estimate can carry: name, description, rate, cost (dollars).
pub type Line = (&'static str, &'static str, f64, f64);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trade {
    Hvac,
    Plumbing,
}

/// What one job category looks like: the trade, how common it is, what is written on
/// it, what it bills, and which equipment it concerns.
pub struct Kind {
    pub name: &'static str,
    pub trade: Trade,
    pub weight: u32,
    pub descriptions: &'static [&'static str],
    pub completion: &'static [&'static str],
    pub services: &'static [Line],
    pub products: &'static [Line],
    pub equipment: &'static [&'static str],
    /// Hours on site, low and high.
    pub hours: (i64, i64),
}

// Catalog lines that more than one kind of job (or estimate) sells.
const DIAGNOSTIC_FEE: Line = ("Diagnostic Fee", "Trip and system diagnosis", 89.0, 0.0);
const REPAIR_LABOR: Line = ("Repair Labor", "Labor per hour", 145.0, 45.0);
const INSTALLATION_LABOR: Line = (
    "Installation Labor",
    "System installation, crew of two",
    1850.0,
    900.0,
);
const SERVICE_CALL: Line = ("Service Call", "Trip charge and diagnosis", 79.0, 0.0);
const PLUMBING_LABOR: Line = ("Plumbing Labor", "Labor per hour", 135.0, 42.0);
const WATER_HEATER_INSTALLATION: Line = (
    "Water Heater Installation",
    "Remove old tank, install new",
    650.0,
    250.0,
);
const GAS_WATER_HEATER_50_GAL: Line = (
    "50 Gal Gas Water Heater",
    "50 gallon atmospheric vent",
    1650.0,
    780.0,
);
const UV_AIR_PURIFIER: Line = (
    "UV Light Air Purifier",
    "In-duct UV germicidal light",
    895.0,
    310.0,
);
const WHOLE_HOME_DEHUMIDIFIER: Line = (
    "Whole-Home Dehumidifier",
    "70 pint ducted dehumidifier",
    2450.0,
    1100.0,
);

const HVAC_UNITS: &[&str] = &["Air Conditioner", "Heat Pump", "Gas Furnace", "Air Handler"];

pub const KINDS: &[Kind] = &[
    Kind {
        name: "AC Repair",
        trade: Trade::Hvac,
        weight: 22,
        descriptions: &[
            "AC not cooling; thermostat set to 72 but the house is at 81.",
            "Outdoor unit humming but the fan is not spinning.",
            "Water leaking from the indoor unit in the attic.",
            "AC blowing warm air since last night.",
            "Ice on the refrigerant lines at the condenser.",
            "System short-cycling every few minutes.",
        ],
        completion: &[
            "Replaced failed run capacitor; system cooling with an 18F split.",
            "Replaced burnt contactor, tested operation.",
            "Cleared clogged condensate line, installed float switch.",
            "Found leak at the service valve, repaired and recharged R-410A.",
            "Replaced condenser fan motor; amps within spec.",
        ],
        services: &[DIAGNOSTIC_FEE, REPAIR_LABOR],
        products: &[
            (
                "Run Capacitor 45/5 MFD",
                "Dual run capacitor 45/5 MFD 440V",
                185.0,
                14.0,
            ),
            (
                "Contactor 40A 2-Pole",
                "24V coil definite purpose contactor",
                210.0,
                19.0,
            ),
            (
                "R-410A Refrigerant (lb)",
                "Refrigerant charge per pound",
                95.0,
                22.0,
            ),
            (
                "Condenser Fan Motor 1/4 HP",
                "Universal condenser fan motor",
                545.0,
                138.0,
            ),
            ("Hard Start Kit", "Compressor hard start kit", 265.0, 31.0),
            (
                "Condensate Float Switch",
                "Safety float switch for drain pan",
                129.0,
                16.0,
            ),
        ],
        equipment: &[
            "Air Conditioner",
            "Heat Pump",
            "Evaporator Coil",
            "Air Handler",
        ],
        hours: (1, 3),
    },
    Kind {
        name: "Heating Repair",
        trade: Trade::Hvac,
        weight: 12,
        descriptions: &[
            "Furnace not igniting; clicking sound from the closet.",
            "Heat pump blowing cold air in heat mode.",
            "Burning smell when the heat first comes on.",
            "Furnace runs a few minutes then shuts off.",
        ],
        completion: &[
            "Replaced cracked hot surface igniter; verified flame and rise.",
            "Cleaned flame sensor, furnace holding flame.",
            "Replaced inducer motor, checked pressure switch.",
            "Reversing valve solenoid replaced; heat pump heating normally.",
        ],
        services: &[DIAGNOSTIC_FEE, REPAIR_LABOR],
        products: &[
            (
                "Hot Surface Igniter",
                "Silicon nitride igniter",
                245.0,
                28.0,
            ),
            ("Flame Sensor", "Universal flame sensor", 165.0, 9.0),
            (
                "Inducer Motor Assembly",
                "Draft inducer motor",
                695.0,
                212.0,
            ),
            ("Pressure Switch", "Furnace pressure switch", 225.0, 31.0),
            ("Reversing Valve Solenoid", "24V solenoid coil", 310.0, 44.0),
        ],
        equipment: &["Gas Furnace", "Heat Pump", "Air Handler"],
        hours: (1, 3),
    },
    Kind {
        name: "HVAC Maintenance",
        trade: Trade::Hvac,
        weight: 18,
        descriptions: &[
            "Spring AC tune-up per Comfort Club agreement.",
            "Fall furnace safety inspection.",
            "Semi-annual maintenance visit.",
            "Pre-summer system check and coil cleaning.",
        ],
        completion: &[
            "Completed tune-up: cleaned coils, checked charge, replaced filter.",
            "Inspection complete, no issues found. Recommended surge protector.",
            "Flushed drain line, tightened electrical, system running well.",
        ],
        services: &[(
            "Maintenance Visit",
            "21-point tune-up and safety inspection",
            129.0,
            35.0,
        )],
        products: &[
            (
                "Pleated Filter 16x25x1",
                "MERV 8 pleated air filter",
                18.0,
                5.0,
            ),
            (
                "Pleated Filter 20x25x1",
                "MERV 8 pleated air filter",
                18.0,
                5.0,
            ),
            (
                "Condensate Pan Tablets",
                "Algae prevention tablets",
                12.0,
                2.0,
            ),
            (
                "Surge Protector",
                "Outdoor unit surge protector",
                189.0,
                42.0,
            ),
        ],
        equipment: HVAC_UNITS,
        hours: (1, 2),
    },
    Kind {
        name: "HVAC Installation",
        trade: Trade::Hvac,
        weight: 4,
        descriptions: &[
            "Full system replacement per accepted estimate.",
            "Install new heat pump and air handler.",
            "Replace 20-year-old AC and furnace.",
        ],
        completion: &[
            "Installed new system, pulled permit, registered warranty.",
            "System installed and commissioned; customer walked through thermostat.",
        ],
        services: &[
            INSTALLATION_LABOR,
            (
                "Permit and Inspection",
                "City mechanical permit",
                225.0,
                150.0,
            ),
        ],
        products: &[
            (
                "3 Ton 16 SEER2 Heat Pump",
                "Heat pump outdoor unit",
                4950.0,
                2600.0,
            ),
            (
                "3 Ton Air Handler",
                "Variable speed air handler",
                2650.0,
                1350.0,
            ),
            (
                "4 Ton 15 SEER2 Condenser",
                "AC outdoor unit",
                4400.0,
                2300.0,
            ),
            (
                "80% Gas Furnace 80k BTU",
                "Single stage gas furnace",
                2350.0,
                1150.0,
            ),
            (
                "Smart Thermostat",
                "Wi-Fi programmable thermostat",
                295.0,
                110.0,
            ),
            (
                "Line Set and Pad",
                "Refrigerant line set, pad and disconnect",
                450.0,
                180.0,
            ),
        ],
        equipment: HVAC_UNITS,
        hours: (6, 9),
    },
    Kind {
        name: "Plumbing Repair",
        trade: Trade::Plumbing,
        weight: 16,
        descriptions: &[
            "Toilet running constantly in the master bath.",
            "Kitchen faucet dripping, customer wants it replaced.",
            "Low water pressure throughout the house.",
            "Leaking shut-off valve under the bathroom sink.",
            "Garbage disposal jammed and humming.",
        ],
        completion: &[
            "Replaced fill valve and flapper; toilet no longer running.",
            "Installed customer-supplied faucet, checked for leaks.",
            "Replaced pressure reducing valve; pressure now 60 PSI.",
            "Replaced angle stop and supply line.",
            "Replaced 3/4 HP disposal.",
        ],
        services: &[SERVICE_CALL, PLUMBING_LABOR],
        products: &[
            ("Toilet Fill Valve", "Universal fill valve", 65.0, 9.0),
            ("Wax Ring", "Toilet wax ring with flange", 25.0, 4.0),
            ("Kitchen Faucet", "Pull-down kitchen faucet", 289.0, 120.0),
            ("Angle Stop Valve", "1/4 turn angle stop", 85.0, 11.0),
            ("Pressure Reducing Valve", "3/4 inch PRV", 425.0, 118.0),
            (
                "Garbage Disposal 3/4 HP",
                "Continuous feed disposal",
                395.0,
                160.0,
            ),
        ],
        equipment: &[],
        hours: (1, 3),
    },
    Kind {
        name: "Water Heater Service",
        trade: Trade::Plumbing,
        weight: 9,
        descriptions: &[
            "No hot water since this morning.",
            "Water heater leaking from the bottom.",
            "Pilot light keeps going out.",
            "Rumbling noise from the water heater.",
        ],
        completion: &[
            "Replaced thermocouple; pilot holding.",
            "Flushed tank sediment, replaced anode rod.",
            "Tank failed; replaced with new 50 gallon gas water heater.",
            "Replaced T&P valve and installed expansion tank.",
        ],
        services: &[
            SERVICE_CALL,
            (
                "Water Heater Flush",
                "Drain and flush sediment",
                189.0,
                40.0,
            ),
            WATER_HEATER_INSTALLATION,
        ],
        products: &[
            GAS_WATER_HEATER_50_GAL,
            (
                "Expansion Tank 2 Gal",
                "Thermal expansion tank",
                185.0,
                45.0,
            ),
            ("Anode Rod", "Magnesium anode rod", 145.0, 28.0),
            (
                "T&P Relief Valve",
                "Temperature and pressure relief valve",
                95.0,
                14.0,
            ),
            ("Thermocouple", "Universal thermocouple", 75.0, 8.0),
        ],
        equipment: &["Water Heater", "Tankless Water Heater"],
        hours: (1, 4),
    },
    Kind {
        name: "Drain Cleaning",
        trade: Trade::Plumbing,
        weight: 10,
        descriptions: &[
            "Kitchen sink draining slowly.",
            "Main line backing up into the shower.",
            "Floor drain at the back of the restaurant backing up.",
            "Tub drain clogged.",
        ],
        completion: &[
            "Cabled kitchen line, cleared grease clog.",
            "Hydro-jetted main line; camera showed roots at 42 ft.",
            "Cleared floor drain, recommended quarterly maintenance.",
        ],
        services: &[
            (
                "Drain Cleaning - Secondary Line",
                "Cable secondary drain",
                189.0,
                30.0,
            ),
            (
                "Drain Cleaning - Main Line",
                "Cable main line from cleanout",
                325.0,
                60.0,
            ),
            ("Hydro Jetting", "High pressure jetting", 595.0, 120.0),
            (
                "Camera Inspection",
                "Video inspection of the line",
                249.0,
                40.0,
            ),
        ],
        products: &[(
            "Enzyme Drain Treatment",
            "Monthly enzyme treatment",
            35.0,
            8.0,
        )],
        equipment: &[],
        hours: (1, 3),
    },
    Kind {
        name: "Leak Detection",
        trade: Trade::Plumbing,
        weight: 4,
        descriptions: &[
            "Water bill doubled, suspect a slab leak.",
            "Warm spot on the living room floor.",
            "Sound of running water with all fixtures off.",
        ],
        completion: &[
            "Located slab leak on the hot line; rerouted through the attic.",
            "Found leaking irrigation valve, repaired.",
        ],
        services: &[
            (
                "Leak Detection Service",
                "Electronic leak detection",
                375.0,
                60.0,
            ),
            PLUMBING_LABOR,
        ],
        products: &[(
            "PEX Reroute Materials",
            "PEX, fittings and insulation",
            240.0,
            85.0,
        )],
        equipment: &[],
        hours: (2, 5),
    },
    Kind {
        name: "Indoor Air Quality",
        trade: Trade::Hvac,
        weight: 3,
        descriptions: &[
            "Customer asking about air purification for allergies.",
            "High humidity in the house, musty smell.",
        ],
        completion: &[
            "Installed UV light and media filter cabinet.",
            "Installed whole-home dehumidifier, set to 50%.",
        ],
        services: &[("IAQ Installation Labor", "Installation labor", 350.0, 120.0)],
        products: &[
            UV_AIR_PURIFIER,
            (
                "MERV 13 Media Filter Cabinet",
                "5 inch media filter cabinet",
                489.0,
                160.0,
            ),
            WHOLE_HOME_DEHUMIDIFIER,
        ],
        equipment: &["Air Handler", "Gas Furnace"],
        hours: (2, 4),
    },
    Kind {
        name: "Warranty Callback",
        trade: Trade::Hvac,
        weight: 2,
        descriptions: &[
            "Customer reports the same issue as the last visit.",
            "Part installed last month failed, warranty visit.",
        ],
        completion: &["Replaced defective part under warranty, no charge."],
        services: &[("Warranty Labor", "No-charge warranty visit", 0.0, 45.0)],
        products: &[],
        equipment: HVAC_UNITS,
        hours: (1, 2),
    },
];

/// Estimate work: category name, what is quoted (name, description, rate, cost).
pub const ESTIMATE_OPTIONS: &[(&str, &[Line])] = &[
    (
        "HVAC Installation",
        &[
            (
                "3 Ton 16 SEER2 Heat Pump System",
                "Heat pump, air handler, thermostat",
                9850.0,
                5100.0,
            ),
            (
                "4 Ton 15 SEER2 AC and Gas Furnace",
                "Condenser, coil, 80k BTU furnace",
                11250.0,
                5900.0,
            ),
            (
                "5 Ton Variable Speed System",
                "Variable speed heat pump system",
                16400.0,
                8700.0,
            ),
            INSTALLATION_LABOR,
            (
                "Ductwork Replacement",
                "Replace attic ductwork, R-8 flex",
                3600.0,
                1500.0,
            ),
        ],
    ),
    (
        "Water Heater Service",
        &[
            GAS_WATER_HEATER_50_GAL,
            (
                "Tankless Water Heater 199k BTU",
                "Condensing tankless, indoor",
                3900.0,
                1750.0,
            ),
            WATER_HEATER_INSTALLATION,
        ],
    ),
    (
        "Indoor Air Quality",
        &[WHOLE_HOME_DEHUMIDIFIER, UV_AIR_PURIFIER],
    ),
    (
        "Plumbing Repair",
        &[
            (
                "Whole-House PEX Repipe",
                "Repipe hot and cold supply with PEX",
                7800.0,
                3200.0,
            ),
            (
                "Water Softener Installation",
                "48k grain softener with loop",
                2200.0,
                950.0,
            ),
        ],
    ),
];

pub const ESTIMATE_TAGS: &[&str] = &[
    "Replacement",
    "Financing",
    "Rebate Eligible",
    "Second Opinion",
    "Referral",
    "New Construction",
];

/// Equipment kinds with their makers and model prefixes.
pub const EQUIPMENT_MAKERS: &[(&str, &[(&str, &str)])] = &[
    (
        "Air Conditioner",
        &[
            ("Carrier", "24ACC6"),
            ("Trane", "4TTR6"),
            ("Lennox", "ML14XC1-"),
            ("Goodman", "GSXC16"),
            ("Rheem", "RA16"),
            ("American Standard", "4A7A6"),
        ],
    ),
    (
        "Heat Pump",
        &[
            ("Carrier", "25HCE4"),
            ("Trane", "4TWR6"),
            ("Goodman", "GSZC16"),
            ("Daikin", "DZ16SA"),
        ],
    ),
    (
        "Gas Furnace",
        &[
            ("Carrier", "59SC5A"),
            ("Trane", "S9V2B"),
            ("Lennox", "ML180UH"),
            ("Goodman", "GMVC96"),
            ("Ruud", "R801TA"),
        ],
    ),
    (
        "Air Handler",
        &[
            ("Carrier", "FE4ANF"),
            ("Trane", "TAM7A0"),
            ("Goodman", "AMST30"),
            ("Rheem", "RH1T"),
        ],
    ),
    (
        "Evaporator Coil",
        &[
            ("Carrier", "CNPVP"),
            ("Goodman", "CAPF3636"),
            ("Lennox", "CX35-"),
        ],
    ),
    (
        "Water Heater",
        &[
            ("A.O. Smith", "GCR-50-"),
            ("Bradford White", "RG250T6N"),
            ("Rheem", "XG50T06"),
            ("State", "GS650Y"),
        ],
    ),
    (
        "Tankless Water Heater",
        &[
            ("Rinnai", "RU199iN"),
            ("Navien", "NPE-240A"),
            ("Noritz", "NRC111-DV"),
        ],
    ),
    (
        "Rooftop Unit",
        &[("Carrier", "48FC"), ("Trane", "YSC"), ("York", "ZF")],
    ),
    (
        "Walk-in Cooler",
        &[("Kolpak", "KF7-"), ("Heatcraft", "PTN")],
    ),
    (
        "Ice Machine",
        &[("Manitowoc", "IYT0500"), ("Hoshizaki", "KM-515")],
    ),
];

pub const EQUIPMENT_PLACES: &[&str] = &[
    "Attic",
    "Side yard",
    "Backyard",
    "Garage",
    "Utility closet",
    "Hall closet",
];

pub const COMMERCIAL_PLACES: &[&str] = &["Roof", "Mechanical room", "Kitchen", "Back of house"];

pub const NOTES: &[&str] = &[
    "Customer asked for a call 30 minutes before arrival.",
    "Gate code updated per customer.",
    "Customer approved the repair over the phone.",
    "Recommended replacing the system within 1-2 years due to age.",
    "Left the old part with the customer at their request.",
    "Customer mentioned the upstairs stays warmer than downstairs.",
    "Parts ordered from the supply house, ETA two days.",
    "Offered Comfort Club membership; customer will think about it.",
];

pub const TECH_NOTES: &[&str] = &[
    "Bring a ladder for attic access.",
    "Check the condensate line, customer says it has backed up before.",
    "Customer has a large dog, call ahead.",
    "Bring shoe covers, new carpet.",
    "Unit is on the roof; roof hatch key at the front desk.",
];

pub const SUPPLY_HOUSES: &[&str] = &[
    "Ferguson Plumbing Supply",
    "Johnstone Supply",
    "Carrier Enterprise",
    "The Home Depot",
    "Lowe's",
];

/// Calendar task kinds with the descriptions they get (`{customer}`, `{job}`,
/// `{estimate}` are filled in).
pub const CALENDAR_TEMPLATES: &[(&str, &str)] = &[
    ("Call", "Call {customer} to confirm tomorrow's appointment"),
    ("Call", "Follow up with {customer} on estimate #{estimate}"),
    (
        "Call",
        "Call {customer} about the warranty claim on job #{job}",
    ),
    ("Task", "Order parts for job #{job}"),
    ("Task", "Pull permit for job #{job}"),
    ("Task", "Send warranty registration for job #{job}"),
    ("Task", "Truck inventory and restock"),
    ("Email", "Email maintenance reminder to {customer}"),
    ("Email", "Send revised estimate #{estimate} to {customer}"),
    ("Reminder", "Collect payment from {customer} for job #{job}"),
    ("Meeting", "Ride-along with apprentice"),
    ("Meeting", "Supplier meeting: equipment pricing"),
];
