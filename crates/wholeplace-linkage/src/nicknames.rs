//! Alternative forenames: a shipped table of common English given names and the short forms,
//! diminutives and spelling variants people are recorded under by different agencies
//! (`William`/`Bill`/`Liam`, `Margaret`/`Peggy`/`Maggie`). Written for this project from general
//! knowledge of English naming; one group per line, the formal name first.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The table: each line is one group of interchangeable forenames.
pub const NICKNAME_TABLE: &str = "\
abigail abbie abby gail
alexander alex alec alistair alasdair sandy xander lex
alexandra alex alexa sandra sandy lexie
alfred alf alfie fred
andrew andy drew
angela angie
anne ann annie nancy anna hannah
anthony tony antony
arthur art artie
barbara barbra babs barb
benjamin ben benny benji
bernard bernie barney
bradley brad
caroline carol carrie caz
catherine katherine kathryn katharine cathy kathy kate katie kat cath kath kitty
charles charlie chas chuck charley
charlotte lottie charlie lotte
christina christine chris tina chrissie kristina
christopher chris kit topher
clifford cliff
daniel dan danny
david dave davy dai
deborah debbie debra deb
dennis denis den
donald don donnie
dorothy dot dotty dolly
douglas doug dougie
edward ed eddie ted teddy ned
eleanor ellen elaine nell nellie ellie
elizabeth liz lizzie beth betty bess bessie eliza libby elspeth lisa
emily em emmy millie
emma em emmy
frances fran fanny frankie
francis frank frankie
frederick fred freddie freddy
gabriel gabe
geoffrey jeffrey geoff jeff
george georgie geordie
gerald gerry jerry
gregory greg
harold harry hal
harriet hattie harry
helen helena nell ellie
henry harry hal hank
herbert herb bert
isabel isabella isobel izzy bella belle
jacqueline jackie jacqui
james jim jimmy jamie jimbo
jane jan janey jenny
janet jan jenny
jennifer jenny jen jenna
jessica jess jessie
john jack johnny jon ian sean
jonathan jon jonny nathan
joseph joe joey jo
josephine jo josie
joshua josh
judith judy jude
julia julie jules
katherine kate kathy katie kay
kenneth ken kenny
lawrence laurence larry laurie
leonard len lenny leo
lesley leslie les
louisa louise lou lulu
margaret maggie meg peggy peg madge marge margie greta rita daisy maisie
matilda tilly tilda maud
matthew matt matty
michael mike mick micky mikey
michelle shelley
nathaniel nathan nat
nicholas nick nicky nico
nicola nikki nicky nicole
oliver ollie olly
pamela pam
patricia pat patsy tricia trish patty
patrick pat paddy
peter pete
philip phillip phil pip
rebecca becky becca
richard rick ricky dick rich richie
robert rob bob bobby robbie bert
ronald ron ronnie
rosemary rose rosie
samantha sam sammy
samuel sam sammy
sarah sara sally sadie
stephen steven steve stevie
stuart stewart stu
susan susannah suzanne sue susie suzy
terence terrence terry
theodore theo ted teddy
thomas tom tommy
timothy tim timmy
victoria vicky vicki tori
vincent vince vinny
walter walt wally
william bill billy will willie liam
zachary zach zack
";

fn index() -> &'static HashMap<&'static str, Vec<u16>> {
    static INDEX: OnceLock<HashMap<&'static str, Vec<u16>>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut map: HashMap<&'static str, Vec<u16>> = HashMap::new();
        for (group, line) in NICKNAME_TABLE.lines().enumerate() {
            for name in line.split_whitespace() {
                let groups = map.entry(name).or_default();
                let g = group as u16;
                if !groups.contains(&g) {
                    groups.push(g);
                }
            }
        }
        map
    })
}

/// The groups of the table a (standardised, lower-case) forename belongs to.
pub(crate) fn groups_of(name: &str) -> Option<&'static [u16]> {
    index().get(name).map(Vec::as_slice)
}

/// Whether two (standardised, lower-case) forenames are alternative forms of one name according
/// to the shipped table. Equal names are alternatives of each other.
#[must_use]
pub fn are_alternatives(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let idx = index();
    match (idx.get(a), idx.get(b)) {
        (Some(x), Some(y)) => x.iter().any(|g| y.contains(g)),
        _ => false,
    }
}

/// The alternative forms of a forename (excluding itself), for the synthetic data generator.
#[must_use]
pub fn alternatives_of(name: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    if let Some(groups) = index().get(name) {
        for (g, line) in NICKNAME_TABLE.lines().enumerate() {
            if groups.contains(&(g as u16)) {
                for n in line.split_whitespace() {
                    if n != name && !out.contains(&n) {
                        out.push(n);
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_lookups() {
        assert!(are_alternatives("william", "bill"));
        assert!(are_alternatives("bill", "liam"));
        assert!(are_alternatives("peggy", "margaret"));
        assert!(!are_alternatives("william", "margaret"));
        assert!(!are_alternatives("zzz", "william"));
        assert!(alternatives_of("robert").contains(&"bob"));
        assert!(alternatives_of("nobody").is_empty());
    }
}
