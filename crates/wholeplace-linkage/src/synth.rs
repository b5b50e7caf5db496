//! Synthetic UK-style people and households with known truth, and the corruptions real
//! agencies' extracts have: typos, OCR errors, phonetic spellings, nicknames, swapped names,
//! surname changes, house moves, day/month swaps, missing values and agency-specific formats.
//! Any size, streamed record by record, deterministic per seed. Names and streets are common
//! English words and names chosen for this project; postcodes have the UK shape but are random.

use crate::nicknames::alternatives_of;
use crate::rng::Rng;

/// How much and what to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthConfig {
    /// People.
    pub people: usize,
    /// Seed: the same seed gives the same records.
    pub seed: u64,
    /// Agencies (output files).
    pub sources: usize,
    /// Probability a person appears in a given source.
    pub coverage: f64,
    /// Probability of each further record of a person within one source (geometric).
    pub duplicate_rate: f64,
    /// Scale of corruption probabilities (1.0 = realistic default, 0 = clean copies).
    pub corruption: f64,
}

impl SynthConfig {
    /// Defaults for `people` people in `sources` sources.
    #[must_use]
    pub fn new(people: usize, seed: u64, sources: usize) -> Self {
        Self {
            people,
            seed,
            sources: sources.max(1),
            coverage: if sources > 1 { 0.8 } else { 1.0 },
            duplicate_rate: if sources > 1 { 0.1 } else { 0.4 },
            corruption: 1.0,
        }
    }
}

/// The columns every generated file has, in order.
pub const COLUMNS: [&str; 12] = [
    "record_id",
    "first_name",
    "surname",
    "dob",
    "sex",
    "house_number",
    "street",
    "town",
    "postcode",
    "nhs_number",
    "ni_number",
    "phone",
];

/// One generated record.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SynthRecord {
    /// Source (agency) index.
    pub source: usize,
    /// Record id within the source.
    pub record_id: String,
    /// The true person.
    pub person: u64,
    /// The true household (at the person's main address).
    pub household: u64,
    /// Values in the order of [`COLUMNS`] after `record_id`.
    pub values: [String; 11],
}

/// Agency names used for the output files.
pub const AGENCIES: [&str; 6] = ["council", "police", "health", "school", "dwp", "housing"];

const MALE: &[&str] = &[
    "james",
    "john",
    "robert",
    "michael",
    "william",
    "david",
    "richard",
    "joseph",
    "thomas",
    "charles",
    "christopher",
    "daniel",
    "matthew",
    "anthony",
    "mark",
    "paul",
    "steven",
    "andrew",
    "kenneth",
    "joshua",
    "kevin",
    "brian",
    "george",
    "timothy",
    "ronald",
    "edward",
    "jason",
    "jeffrey",
    "ryan",
    "jacob",
    "gary",
    "nicholas",
    "eric",
    "jonathan",
    "stephen",
    "larry",
    "justin",
    "scott",
    "brandon",
    "benjamin",
    "samuel",
    "gregory",
    "alexander",
    "frank",
    "patrick",
    "raymond",
    "jack",
    "dennis",
    "jerry",
    "tyler",
    "aaron",
    "henry",
    "adam",
    "peter",
    "harry",
    "oliver",
    "charlie",
    "alfie",
    "freddie",
    "leo",
    "oscar",
    "archie",
    "noah",
    "theo",
    "arthur",
    "lewis",
    "callum",
    "connor",
    "liam",
    "kieran",
    "jamie",
    "dean",
    "craig",
    "lee",
    "wayne",
    "darren",
    "stuart",
    "graham",
    "ian",
    "neil",
    "keith",
    "colin",
    "derek",
    "trevor",
    "nigel",
    "philip",
    "simon",
    "martin",
    "alan",
    "barry",
    "terry",
    "mohammed",
    "ali",
    "omar",
    "hassan",
    "ahmed",
    "yusuf",
    "ibrahim",
    "krzysztof",
    "piotr",
    "tomasz",
    "rajesh",
    "sanjay",
    "arjun",
    "kwame",
    "tunde",
    "chukwuma",
];
const FEMALE: &[&str] = &[
    "mary",
    "patricia",
    "jennifer",
    "linda",
    "elizabeth",
    "barbara",
    "susan",
    "jessica",
    "sarah",
    "karen",
    "nancy",
    "lisa",
    "margaret",
    "sandra",
    "ashley",
    "kimberly",
    "emily",
    "donna",
    "michelle",
    "dorothy",
    "carol",
    "amanda",
    "melissa",
    "deborah",
    "stephanie",
    "rebecca",
    "laura",
    "sharon",
    "cynthia",
    "kathleen",
    "amy",
    "shirley",
    "angela",
    "helen",
    "anna",
    "brenda",
    "pamela",
    "nicola",
    "emma",
    "samantha",
    "katherine",
    "christine",
    "debra",
    "rachel",
    "catherine",
    "carolyn",
    "janet",
    "ruth",
    "maria",
    "heather",
    "diane",
    "victoria",
    "olivia",
    "amelia",
    "isla",
    "ava",
    "mia",
    "ivy",
    "lily",
    "isabella",
    "rosie",
    "sophia",
    "grace",
    "freya",
    "poppy",
    "evie",
    "ella",
    "chloe",
    "charlotte",
    "jade",
    "leanne",
    "kelly",
    "gemma",
    "claire",
    "joanne",
    "tracey",
    "julie",
    "jacqueline",
    "lorraine",
    "gillian",
    "wendy",
    "hayley",
    "natalie",
    "zoe",
    "lauren",
    "megan",
    "bethany",
    "abigail",
    "fatima",
    "aisha",
    "zainab",
    "maryam",
    "agnieszka",
    "katarzyna",
    "priya",
    "sunita",
    "anjali",
    "ngozi",
    "abena",
    "siobhan",
    "niamh",
    "aoife",
];
const SURNAMES: &[&str] = &[
    "smith",
    "jones",
    "williams",
    "taylor",
    "brown",
    "davies",
    "evans",
    "wilson",
    "thomas",
    "johnson",
    "roberts",
    "robinson",
    "thompson",
    "wright",
    "walker",
    "white",
    "edwards",
    "hughes",
    "green",
    "hall",
    "lewis",
    "harris",
    "clarke",
    "patel",
    "jackson",
    "wood",
    "turner",
    "martin",
    "cooper",
    "hill",
    "ward",
    "morris",
    "moore",
    "clark",
    "lee",
    "king",
    "baker",
    "harrison",
    "morgan",
    "allen",
    "james",
    "scott",
    "phillips",
    "watson",
    "davis",
    "parker",
    "price",
    "bennett",
    "young",
    "griffiths",
    "mitchell",
    "kelly",
    "cook",
    "carter",
    "richardson",
    "bailey",
    "collins",
    "bell",
    "shaw",
    "murphy",
    "miller",
    "cox",
    "richards",
    "khan",
    "marshall",
    "anderson",
    "simpson",
    "ellis",
    "adams",
    "singh",
    "begum",
    "wilkinson",
    "foster",
    "chapman",
    "powell",
    "webb",
    "rogers",
    "gray",
    "mason",
    "ali",
    "hunt",
    "hussain",
    "campbell",
    "matthews",
    "owen",
    "palmer",
    "holmes",
    "mills",
    "barnes",
    "knight",
    "lloyd",
    "butler",
    "russell",
    "barker",
    "fisher",
    "stevens",
    "jenkins",
    "murray",
    "dixon",
    "harvey",
    "graham",
    "pearson",
    "ahmed",
    "fletcher",
    "walsh",
    "kaur",
    "gibson",
    "howard",
    "andrews",
    "stewart",
    "elliott",
    "reynolds",
    "saunders",
    "payne",
    "fox",
    "ford",
    "pearce",
    "day",
    "brooks",
    "west",
    "lawrence",
    "cole",
    "atkinson",
    "bradley",
    "spencer",
    "gill",
    "dawson",
    "ball",
    "burton",
    "obrien",
    "watts",
    "rose",
    "booth",
    "perry",
    "ryan",
    "grant",
    "wells",
    "armstrong",
    "francis",
    "rees",
    "hayes",
    "hart",
    "hudson",
    "newman",
    "barrett",
    "webster",
    "hunter",
    "gregory",
    "carr",
    "lowe",
    "page",
    "marsh",
    "riley",
    "dunn",
    "woods",
    "parsons",
    "berry",
    "stone",
    "reid",
    "holland",
    "hawkins",
    "harding",
    "porter",
    "robertson",
    "newton",
    "oliver",
    "reed",
    "kennedy",
    "williamson",
    "bird",
    "gardner",
    "shah",
    "dean",
    "lane",
    "cooke",
    "bates",
    "henderson",
    "parry",
    "burgess",
    "bishop",
    "walton",
    "burns",
    "nicholson",
    "shepherd",
    "ross",
    "cross",
    "long",
    "freeman",
    "warren",
    "nicholls",
    "hamilton",
    "byrne",
    "sutton",
    "mcdonald",
    "yates",
    "hodgson",
    "robson",
    "curtis",
    "hopkins",
    "oconnor",
    "kowalski",
    "nowak",
    "wisniewski",
    "okafor",
    "mensah",
    "osei",
    "chowdhury",
    "rahman",
    "islam",
    "miah",
    "sharma",
    "kumar",
    "mistry",
    "nguyen",
    "chen",
    "wong",
    "fitzgerald",
    "mcgregor",
    "macleod",
    "fraser",
    "doherty",
];
const STREETS: &[&str] = &[
    "high",
    "station",
    "main",
    "park",
    "church",
    "london",
    "victoria",
    "green",
    "manor",
    "kings",
    "queens",
    "new",
    "grange",
    "mill",
    "school",
    "north",
    "south",
    "west",
    "east",
    "springfield",
    "windsor",
    "york",
    "chester",
    "albert",
    "george",
    "highfield",
    "stanley",
    "alexandra",
    "richmond",
    "hollybush",
    "oak",
    "ash",
    "elm",
    "beech",
    "willow",
    "cedar",
    "chestnut",
    "meadow",
    "orchard",
    "brook",
    "lime",
    "sycamore",
    "hawthorn",
    "rowan",
    "heather",
    "primrose",
    "clarence",
    "cromwell",
    "nelson",
    "wellington",
    "marlborough",
    "shakespeare",
    "milton",
    "byron",
    "tennyson",
    "chaucer",
    "dickens",
    "kipling",
    "brunel",
    "stephenson",
    "darwin",
    "newton",
    "faraday",
    "raleigh",
    "drake",
    "nightingale",
];
const SUFFIXES: &[&str] = &[
    "street", "road", "lane", "avenue", "close", "drive", "way", "crescent", "gardens", "place",
    "terrace", "court", "grove", "walk", "view", "rise",
];
const TOWNS: &[(&str, &str)] = &[
    ("manchester", "M"),
    ("birmingham", "B"),
    ("leeds", "LS"),
    ("sheffield", "S"),
    ("bradford", "BD"),
    ("liverpool", "L"),
    ("bristol", "BS"),
    ("newcastle", "NE"),
    ("nottingham", "NG"),
    ("leicester", "LE"),
    ("coventry", "CV"),
    ("stoke", "ST"),
    ("derby", "DE"),
    ("plymouth", "PL"),
    ("southampton", "SO"),
    ("portsmouth", "PO"),
    ("norwich", "NR"),
    ("york", "YO"),
    ("hull", "HU"),
    ("preston", "PR"),
    ("bolton", "BL"),
    ("wigan", "WN"),
    ("oldham", "OL"),
    ("stockport", "SK"),
    ("blackburn", "BB"),
    ("sunderland", "SR"),
    ("doncaster", "DN"),
    ("wakefield", "WF"),
    ("huddersfield", "HD"),
    ("halifax", "HX"),
    ("exeter", "EX"),
    ("cambridge", "CB"),
    ("oxford", "OX"),
    ("reading", "RG"),
    ("luton", "LU"),
    ("northampton", "NN"),
    ("peterborough", "PE"),
    ("ipswich", "IP"),
    ("colchester", "CO"),
    ("chelmsford", "CM"),
    ("canterbury", "CT"),
    ("brighton", "BN"),
    ("guildford", "GU"),
    ("swindon", "SN"),
    ("gloucester", "GL"),
    ("worcester", "WR"),
    ("hereford", "HR"),
    ("telford", "TF"),
    ("shrewsbury", "SY"),
    ("chester", "CH"),
    ("warrington", "WA"),
    ("carlisle", "CA"),
    ("lancaster", "LA"),
    ("harrogate", "HG"),
    ("darlington", "DL"),
    ("durham", "DH"),
    ("lincoln", "LN"),
    ("walsall", "WS"),
    ("wolverhampton", "WV"),
    ("dudley", "DY"),
];

/// A person's true details.
#[derive(Debug, Clone)]
struct Person {
    id: u64,
    household: u64,
    first: String,
    surname: String,
    sex: bool,
    dob: (u16, u8, u8),
    address: Address,
    nhs: String,
    ni: String,
    phone: String,
}

#[derive(Debug, Clone)]
struct Address {
    number: u32,
    street: String,
    town: String,
    postcode: String,
}

fn skewed<'a>(rng: &mut Rng, list: &[&'a str]) -> &'a str {
    // Squaring a uniform draw gives a few very common values and a long tail, as real names do.
    let u = rng.unit();
    list[((u * u) * list.len() as f64) as usize % list.len()]
}

fn random_address(rng: &mut Rng) -> Address {
    let (town, area) = TOWNS[rng.index(TOWNS.len())];
    let district = 1 + rng.below(if area.len() == 1 { 40 } else { 30 });
    let letters = b"ABDEFGHJLNPQRSTUWXYZ";
    let sector = rng.below(10);
    let unit: String = (0..2)
        .map(|_| letters[rng.index(letters.len())] as char)
        .collect();
    let max_number = if rng.chance(0.8) { 120 } else { 400 };
    Address {
        number: 1 + rng.below(max_number) as u32,
        street: format!(
            "{} {}",
            STREETS[rng.index(STREETS.len())],
            SUFFIXES[rng.index(SUFFIXES.len())]
        ),
        town: town.to_owned(),
        postcode: format!("{area}{district} {sector}{unit}"),
    }
}

fn nhs_number(rng: &mut Rng) -> String {
    loop {
        let d: Vec<u32> = (0..9)
            .map(|i| {
                if i == 0 {
                    4 + rng.below(3) as u32
                } else {
                    rng.below(10) as u32
                }
            })
            .collect();
        let sum: u32 = d.iter().zip((2..=10).rev()).map(|(x, w)| x * w).sum();
        let check = match 11 - sum % 11 {
            11 => 0,
            10 => continue,
            c => c,
        };
        return d
            .iter()
            .chain(std::iter::once(&check))
            .map(|x| char::from_digit(*x, 10).unwrap_or('0'))
            .collect();
    }
}

fn ni_number(rng: &mut Rng) -> String {
    let first = b"ABCEGHJKLMNOPRSTWXYZ";
    let second = b"ABCEGHJKLMNPRSTWXYZ";
    loop {
        let (a, b) = (
            first[rng.index(first.len())] as char,
            second[rng.index(second.len())] as char,
        );
        let p: String = [a, b].iter().collect();
        if ["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"].contains(&p.as_str()) {
            continue;
        }
        let digits: String = (0..6)
            .map(|_| char::from_digit(rng.below(10) as u32, 10).unwrap_or('0'))
            .collect();
        return format!("{p}{digits}{}", (b'A' + rng.below(4) as u8) as char);
    }
}

fn days_in(y: u16, m: u8) -> u8 {
    crate::standardise::Date::new(y, m, 31).map_or_else(
        || {
            if crate::standardise::Date::new(y, m, 30).is_some() {
                30
            } else if crate::standardise::Date::new(y, m, 29).is_some() {
                29
            } else {
                28
            }
        },
        |_| 31,
    )
}

fn random_dob(rng: &mut Rng, from: u16, to: u16) -> (u16, u8, u8) {
    let y = from + rng.below(u64::from(to - from + 1)) as u16;
    let m = 1 + rng.below(12) as u8;
    let d = 1 + rng.below(u64::from(days_in(y, m))) as u8;
    (y, m, d)
}

fn typo(rng: &mut Rng, s: &str) -> String {
    let mut c: Vec<char> = s.chars().collect();
    if c.len() < 2 {
        return s.to_owned();
    }
    let i = rng.index(c.len());
    let letters = "abcdefghijklmnopqrstuvwxyz";
    let r = letters.as_bytes()[rng.index(26)] as char;
    match rng.below(4) {
        0 => c[i] = r,
        1 => c.insert(i, r),
        2 => {
            c.remove(i);
        }
        _ => {
            let j = if i + 1 < c.len() { i + 1 } else { i - 1 };
            c.swap(i, j);
        }
    }
    c.into_iter().collect()
}

fn ocr(rng: &mut Rng, s: &str) -> String {
    const PAIRS: [(&str, &str); 9] = [
        ("m", "rn"),
        ("l", "1"),
        ("o", "0"),
        ("s", "5"),
        ("b", "8"),
        ("i", "l"),
        ("e", "c"),
        ("g", "9"),
        ("cl", "d"),
    ];
    let start = rng.index(PAIRS.len());
    for k in 0..PAIRS.len() {
        let (a, b) = PAIRS[(start + k) % PAIRS.len()];
        if s.contains(a) {
            return s.replacen(a, b, 1);
        }
    }
    s.to_owned()
}

fn phonetic_spelling(rng: &mut Rng, s: &str) -> String {
    const SWAPS: [(&str, &str); 12] = [
        ("ph", "f"),
        ("ck", "k"),
        ("ie", "y"),
        ("y", "ie"),
        ("ou", "ow"),
        ("th", "t"),
        ("ll", "l"),
        ("nn", "n"),
        ("tt", "t"),
        ("c", "k"),
        ("ee", "ea"),
        ("z", "s"),
    ];
    let start = rng.index(SWAPS.len());
    for k in 0..SWAPS.len() {
        let (a, b) = SWAPS[(start + k) % SWAPS.len()];
        if s.len() > 2 && s[1..].contains(a) {
            return format!("{}{}", &s[..1], s[1..].replacen(a, b, 1));
        }
    }
    s.to_owned()
}

fn title(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn render_record(
    rng: &mut Rng,
    p: &Person,
    source: usize,
    cfg: &SynthConfig,
    other_address: &Address,
) -> [String; 11] {
    let k = cfg.corruption;
    let style = source % AGENCIES.len();
    let mut first = p.first.clone();
    let mut surname = p.surname.clone();
    let (mut y, mut m, mut d) = p.dob;
    let mut addr = p.address.clone();
    if rng.chance(0.08 * k) {
        let alts = alternatives_of(&first);
        if !alts.is_empty() {
            first = (*rng.pick(&alts)).to_owned();
        }
    }
    if !p.sex && rng.chance(0.04 * k) {
        surname = skewed(rng, SURNAMES).to_owned();
    }
    for name in [&mut first, &mut surname] {
        if rng.chance(0.06 * k) {
            *name = typo(rng, name);
        }
        if rng.chance(0.015 * k) {
            *name = ocr(rng, name);
        }
        if rng.chance(0.03 * k) {
            *name = phonetic_spelling(rng, name);
        }
    }
    if rng.chance(0.015 * k) {
        std::mem::swap(&mut first, &mut surname);
    }
    if d <= 12 && d != m && rng.chance(0.02 * k) {
        std::mem::swap(&mut d, &mut m);
    }
    if rng.chance(0.02 * k) {
        match rng.below(3) {
            0 => d = (1 + rng.below(28)) as u8,
            1 => {
                let step = if rng.chance(0.5) { 1 } else { 10 };
                y = y.saturating_add(step).min(2025);
            }
            _ => m = (1 + rng.below(12)) as u8,
        }
        if d > days_in(y, m) {
            d = days_in(y, m);
        }
    }
    if rng.chance(0.07 * k) {
        addr = other_address.clone();
    }
    if rng.chance(0.03 * k) {
        addr.street = typo(rng, &addr.street);
    }
    if rng.chance(0.02 * k) {
        addr.postcode = typo(rng, &addr.postcode).to_uppercase();
    }
    let miss = |rng: &mut Rng, p: f64| rng.chance(p * k);
    let dob = match style {
        0 | 5 => format!("{d:02}/{m:02}/{y}"),
        1 => format!("{y}-{m:02}-{d:02}"),
        2 => format!("{y}{m:02}{d:02}"),
        3 => format!("{d} {} {y}", MONTHS[(m - 1) as usize]),
        _ => format!("{d}/{m}/{y}"),
    };
    let (first, surname) = match style {
        1 => (first.to_uppercase(), surname.to_uppercase()),
        2 => (title(&first), surname.to_uppercase()),
        _ => (title(&first), title(&surname)),
    };
    let postcode = if style == 1 {
        addr.postcode.replace(' ', "")
    } else if style == 3 {
        addr.postcode.to_lowercase()
    } else {
        addr.postcode.clone()
    };
    let has_nhs = matches!(style, 2 | 3) || rng.chance(0.2);
    let has_ni = matches!(style, 4) || (style == 1 && rng.chance(0.5));
    let mut v = [
        if miss(rng, 0.02) {
            String::new()
        } else {
            first
        },
        if miss(rng, 0.01) {
            String::new()
        } else {
            surname
        },
        if miss(rng, 0.03) { String::new() } else { dob },
        if miss(rng, 0.1) {
            String::new()
        } else {
            (if p.sex { "M" } else { "F" }).to_owned()
        },
        if miss(rng, 0.05) {
            String::new()
        } else {
            addr.number.to_string()
        },
        if miss(rng, 0.05) {
            String::new()
        } else {
            title(&addr.street)
        },
        if miss(rng, 0.1) {
            String::new()
        } else {
            title(&addr.town)
        },
        if miss(rng, 0.04) {
            String::new()
        } else {
            postcode
        },
        if has_nhs && !miss(rng, 0.1) {
            p.nhs.clone()
        } else {
            String::new()
        },
        if has_ni && !miss(rng, 0.1) {
            p.ni.clone()
        } else {
            String::new()
        },
        if rng.chance(0.3) && !miss(rng, 0.2) {
            p.phone.clone()
        } else {
            String::new()
        },
    ];
    if !v[8].is_empty() && rng.chance(0.01 * k) {
        v[8] = typo(rng, &v[8]);
    }
    if style == 2 && !v[8].is_empty() {
        v[8] = format!(
            "{} {} {}",
            &v[8][..3.min(v[8].len())],
            &v[8][3.min(v[8].len())..6.min(v[8].len())],
            &v[8][6.min(v[8].len())..]
        );
    }
    v
}

/// Generates records, calling `sink` for each, household by household. Memory stays constant.
pub fn generate(cfg: &SynthConfig, mut sink: impl FnMut(&SynthRecord)) {
    let mut rng = Rng::new(cfg.seed);
    let mut person_id = 0u64;
    let mut household = 0u64;
    let mut counters = vec![0u64; cfg.sources];
    let mut rec = SynthRecord::default();
    while (person_id as usize) < cfg.people {
        household += 1;
        let address = random_address(&mut rng);
        let family_surname = skewed(&mut rng, SURNAMES).to_owned();
        let size = (1 + rng.below(5)).min((cfg.people - person_id as usize) as u64);
        let adults_year = 1940 + rng.below(60) as u16;
        for member in 0..size {
            person_id += 1;
            let sex = rng.chance(0.5);
            let first = skewed(&mut rng, if sex { MALE } else { FEMALE }).to_owned();
            let dob = if member < 2 {
                random_dob(&mut rng, adults_year.saturating_sub(3), adults_year + 3)
            } else {
                random_dob(
                    &mut rng,
                    (adults_year + 18).min(2020),
                    (adults_year + 40).min(2024),
                )
            };
            let surname = if member == 1 && rng.chance(0.3) {
                skewed(&mut rng, SURNAMES).to_owned()
            } else {
                family_surname.clone()
            };
            let p = Person {
                id: person_id,
                household,
                first,
                surname,
                sex,
                dob,
                address: address.clone(),
                nhs: nhs_number(&mut rng),
                ni: ni_number(&mut rng),
                phone: format!("07{:09}", rng.below(1_000_000_000)),
            };
            for source in 0..cfg.sources {
                if !rng.chance(cfg.coverage) {
                    continue;
                }
                loop {
                    counters[source] += 1;
                    let other = random_address(&mut rng);
                    rec.source = source;
                    rec.person = p.id;
                    rec.household = p.household;
                    rec.record_id = format!(
                        "{}-{:x}",
                        &AGENCIES[source % AGENCIES.len()][..1],
                        counters[source] * 7919 % 0xffff_ffff + counters[source] * 0x1_0000_0000
                    );
                    rec.values = render_record(&mut rng, &p, source, cfg, &other);
                    sink(&rec);
                    if !rng.chance(cfg.duplicate_rate) {
                        break;
                    }
                }
            }
        }
    }
}

/// The file name of a source.
#[must_use]
pub fn source_name(source: usize) -> String {
    if source < AGENCIES.len() {
        AGENCIES[source].to_owned()
    } else {
        format!(
            "{}{}",
            AGENCIES[source % AGENCIES.len()],
            source / AGENCIES.len() + 1
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(cfg: &SynthConfig) -> Vec<SynthRecord> {
        let mut v = Vec::new();
        generate(cfg, |r| v.push(r.clone()));
        v
    }

    #[test]
    fn deterministic_and_sized() {
        let cfg = SynthConfig::new(500, 3, 3);
        let a = collect(&cfg);
        let b = collect(&cfg);
        assert_eq!(a, b);
        let c = collect(&SynthConfig::new(500, 4, 3));
        assert_ne!(a, c);
        let people: std::collections::HashSet<u64> = a.iter().map(|r| r.person).collect();
        assert!(
            people.len() > 450 && people.len() <= 500,
            "{}",
            people.len()
        );
        assert!(a.iter().all(|r| r.source < 3));
        let nhs = a
            .iter()
            .filter(|r| !r.values[8].is_empty())
            .filter(|r| crate::standardise::is_valid_nhs_number(&r.values[8]))
            .count();
        assert!(nhs > 100);
    }

    #[test]
    fn corruptions_happen_and_clean_copies_are_clean() {
        let mut clean = SynthConfig::new(200, 1, 2);
        clean.corruption = 0.0;
        let recs = collect(&clean);
        let mut by_person: std::collections::HashMap<u64, Vec<&SynthRecord>> =
            std::collections::HashMap::new();
        for r in &recs {
            by_person.entry(r.person).or_default().push(r);
        }
        for rs in by_person.values() {
            for r in rs {
                assert_eq!(r.values[1].to_lowercase(), rs[0].values[1].to_lowercase());
            }
        }
        let noisy = collect(&SynthConfig::new(2000, 1, 2));
        let mut p: std::collections::HashMap<u64, Vec<&SynthRecord>> =
            std::collections::HashMap::new();
        for r in &noisy {
            p.entry(r.person).or_default().push(r);
        }
        let differing = p
            .values()
            .filter(|rs| {
                rs.len() > 1
                    && rs
                        .iter()
                        .any(|r| r.values[1].to_lowercase() != rs[0].values[1].to_lowercase())
            })
            .count();
        assert!(differing > 20, "{differing}");
    }
}
