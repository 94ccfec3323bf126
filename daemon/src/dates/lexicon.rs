//! Word lists: month, weekday and season names in English, Spanish, Portuguese, French,
//! German, Italian and Dutch (all folded: lowercase, no accents), plus the small words
//! the matcher treats as ordinals, connectors, range separators and cues. Everything is
//! a `match` on the folded word, so look-ups cost nothing to set up.

/// How much a month word can be trusted on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Weak {
    /// A month name and nothing else ("october", "juin").
    No,
    /// English words that are also verbs/nouns ("may", "march", "mar"): capitalized they
    /// may lead ("May 5"); lowercase they need a day before them or a year.
    English,
    /// Abbreviations in languages that write the day first, colliding with common words
    /// ("Set", "Out", "ago", "gen", "mag", "Marco"): they need a day before them or a year.
    Foreign,
}

/// Month number for a month word, and how weak the word is as evidence of a date.
pub(super) fn month(w: &str) -> Option<(u32, Weak)> {
    let m = match w {
        "january" | "jan" | "enero" | "ene" | "janeiro" | "janvier" | "janv" | "januar"
        | "janner" | "jaenner" | "gennaio" | "januari" => 1,
        "gen" => return Some((1, Weak::Foreign)),
        "february" | "feb" | "febr" | "febrero" | "fevereiro" | "fev" | "fevrier" | "fevr"
        | "februar" | "febbraio" | "februari" => 2,
        "marzo" | "mars" | "marz" | "maerz" | "maart" | "mrt" => 3,
        "mar" | "march" => return Some((3, Weak::English)),
        "marco" => return Some((3, Weak::Foreign)),
        "april" | "apr" | "abril" | "abr" | "avril" | "avr" | "aprile" => 4,
        "mayo" | "maio" | "mai" | "maggio" | "mei" => 5,
        "may" => return Some((5, Weak::English)),
        "mag" => return Some((5, Weak::Foreign)),
        "june" | "jun" | "junio" | "junho" | "juin" | "juni" | "giugno" | "giu" => 6,
        "july" | "jul" | "julio" | "julho" | "juillet" | "juil" | "juli" | "luglio" | "lug" => 7,
        "august" | "aug" | "agosto" | "aout" | "augustus" => 8,
        "ago" => return Some((8, Weak::Foreign)),
        "september" | "sep" | "sept" | "septiembre" | "setiembre" | "setembro" | "septembre"
        | "settembre" | "sett" => 9,
        "set" => return Some((9, Weak::Foreign)),
        "october" | "oct" | "octubre" | "outubro" | "octobre" | "oktober" | "okt" | "ottobre"
        | "ott" => 10,
        "out" => return Some((10, Weak::Foreign)),
        "november" | "nov" | "noviembre" | "novembro" | "novembre" => 11,
        "december" | "dec" | "diciembre" | "dic" | "dezembro" | "dez" | "decembre" | "dezember"
        | "dicembre" => 12,
        _ => return None,
    };
    Some((m, Weak::No))
}

/// Weekday words. `Some(true)` for short forms ("Mi", "sat") that collide with other
/// words and so are only skipped when followed by "." or ",".
pub(super) fn weekday(w: &str) -> Option<bool> {
    match w {
        "monday" | "tuesday" | "wednesday" | "thursday" | "friday" | "saturday" | "sunday"
        | "lunes" | "martes" | "miercoles" | "jueves" | "viernes" | "sabado" | "domingo"
        | "segunda" | "terca" | "quarta" | "quinta" | "sexta" | "lundi" | "mardi" | "mercredi"
        | "jeudi" | "vendredi" | "samedi" | "dimanche" | "montag" | "dienstag" | "mittwoch"
        | "donnerstag" | "freitag" | "samstag" | "sonnabend" | "sonntag" | "lunedi" | "martedi"
        | "mercoledi" | "giovedi" | "venerdi" | "sabato" | "domenica" | "maandag" | "dinsdag"
        | "woensdag" | "donderdag" | "vrijdag" | "zaterdag" | "zondag" | "tues" | "thur"
        | "thurs" => Some(false),
        "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun" | "mo" | "di" | "mi" | "do"
        | "fr" | "sa" | "so" | "lun" | "mer" | "jeu" | "ven" | "sam" | "dim" | "mie" | "jue"
        | "vie" | "sab" | "dom" | "ma" | "wo" | "vr" | "za" | "zo" | "seg" | "ter" | "qua"
        | "qui" | "sex" | "gio" => Some(true),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Season {
    Spring,
    Summer,
    Autumn,
    Winter,
}

/// Season words. The flag marks words that are also common words in other languages
/// ("fall", French "été" = "been", Italian "estate" = English "estate", Dutch "lente").
pub(super) fn season(w: &str) -> Option<(Season, bool)> {
    use Season::*;
    Some(match w {
        "spring" | "primavera" | "printemps" | "fruhling" | "fruehling" => (Spring, false),
        "lente" => (Spring, true),
        "summer" | "verano" | "verao" | "sommer" | "zomer" => (Summer, false),
        "ete" | "estate" => (Summer, true),
        "autumn" | "otono" | "outono" | "automne" | "herbst" | "autunno" | "herfst" => {
            (Autumn, false)
        }
        "fall" => (Autumn, true),
        "winter" | "invierno" | "inverno" | "hiver" => (Winter, false),
        _ => return None,
    })
}

/// Suffixes written straight after a day number: 1st, 2nd, 1er, 1º, 5e, 3de, 8ste.
pub(super) fn is_ordinal(w: &str) -> bool {
    matches!(
        w,
        "st" | "nd"
            | "rd"
            | "th"
            | "er"
            | "re"
            | "e"
            | "eme"
            | "ieme"
            | "o"
            | "a"
            | "º"
            | "ª"
            | "de"
            | "ste"
    )
}

/// Words that join two dates into a range ("to", "au", "bis", "al", "tot"...).
pub(super) fn is_range_word(w: &str) -> bool {
    matches!(
        w,
        "to" | "through"
            | "thru"
            | "till"
            | "til"
            | "until"
            | "au"
            | "bis"
            | "al"
            | "a"
            | "tot"
            | "hasta"
            | "ate"
            | "jusqu"
            | "fino"
    )
}

/// Words that join two days ("June 5 and 6") or two months/seasons ("spring and summer").
pub(super) fn is_and_word(w: &str) -> bool {
    matches!(w, "and" | "y" | "et" | "und" | "e" | "en")
}

/// "or" words: only join months or seasons ("May or June").
pub(super) fn is_or_word(w: &str) -> bool {
    matches!(w, "or" | "o" | "ou" | "oder")
}

/// Words right before a bare month, season or year that show it is meant as a date
/// ("in October", "Dates: 2026", "durante el verano").
pub(super) fn is_cue(w: &str) -> bool {
    matches!(
        w,
        "in" | "during"
            | "around"
            | "throughout"
            | "between"
            | "dates"
            | "date"
            | "year"
            | "fechas"
            | "fecha"
            | "datum"
            | "data"
            | "datas"
            | "anno"
            | "jaar"
            | "ano"
            | "jahr"
            | "annee"
            | "en"
            | "em"
            | "im"
            | "nel"
            | "nell"
            | "durante"
            | "durant"
            | "wahrend"
            | "tijdens"
    )
}

/// Words for "month(s)" that make a following "of"/"de" a cue ("the months of May").
pub(super) fn is_month_noun(w: &str) -> bool {
    matches!(
        w,
        "month"
            | "months"
            | "mes"
            | "meses"
            | "mois"
            | "monat"
            | "monate"
            | "mese"
            | "mesi"
            | "maand"
            | "maanden"
    )
}

/// Modifiers that narrow a month/season/year without making it a day:
/// "mid-May", "early 2025", "fin de mayo", "Mitte Mai".
pub(super) fn is_modifier(w: &str) -> bool {
    matches!(
        w,
        "mid"
            | "mi"
            | "early"
            | "late"
            | "end"
            | "beginning"
            | "start"
            | "mitte"
            | "anfang"
            | "ende"
            | "debut"
            | "fin"
            | "finales"
            | "mediados"
            | "principios"
            | "inicio"
            | "inicios"
            | "meados"
            | "inizio"
            | "begin"
            | "eind"
            | "medio"
    )
}

/// Southern-hemisphere zones, where "spring" means September to November.
pub(super) fn is_southern(tz_name: &str) -> bool {
    tz_name.starts_with("Australia/")
        || tz_name.starts_with("America/Argentina/")
        || matches!(
            tz_name,
            "Pacific/Auckland"
                | "America/Sao_Paulo"
                | "America/Santiago"
                | "Africa/Johannesburg"
                | "America/Buenos_Aires"
                | "America/Montevideo"
        )
}

/// Fixed meaning of zone abbreviations, used when the source's own zone does not use
/// the abbreviation.
pub(super) fn zone_table(abbr: &str) -> Option<chrono_tz::Tz> {
    use chrono_tz::{America, Australia, Europe, Pacific};
    Some(match abbr {
        "PST" | "PDT" | "PT" => America::Los_Angeles,
        "MST" | "MDT" => America::Denver,
        "CST" | "CDT" | "CT" => America::Chicago,
        "EST" | "EDT" | "ET" => America::New_York,
        "GMT" | "BST" => Europe::London,
        "CET" | "CEST" => Europe::Paris,
        "EET" | "EEST" => Europe::Athens,
        "AEST" | "AEDT" => Australia::Sydney,
        "AWST" => Australia::Perth,
        "NZST" | "NZDT" => Pacific::Auckland,
        "UTC" | "Z" => chrono_tz::UTC,
        _ => return None,
    })
}
