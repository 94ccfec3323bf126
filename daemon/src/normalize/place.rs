//! Splitting a place as written ("Grand Hyatt Tampa Bay, Tampa, Florida")
//! into venue, city, region and country code, and telling virtual events
//! from ones at a venue.
//!
//! The place is read from the right: the last part is a country or a
//! state/province (which implies its country), the part before it the
//! city, anything before that the venue.

use perfusion_index::{Mode, Place};

use crate::extract::RawPlace;

/// Country names (lower case) and common aliases → ISO 3166-1 alpha-2.
const COUNTRIES: &[(&str, &str)] = &[
    ("argentina", "AR"),
    ("australia", "AU"),
    ("austria", "AT"),
    ("österreich", "AT"),
    ("bahrain", "BH"),
    ("belgium", "BE"),
    ("belgique", "BE"),
    ("belgië", "BE"),
    ("brazil", "BR"),
    ("brasil", "BR"),
    ("bulgaria", "BG"),
    ("canada", "CA"),
    ("chile", "CL"),
    ("china", "CN"),
    ("colombia", "CO"),
    ("costa rica", "CR"),
    ("croatia", "HR"),
    ("cyprus", "CY"),
    ("czech republic", "CZ"),
    ("czechia", "CZ"),
    ("denmark", "DK"),
    ("danmark", "DK"),
    ("dominican republic", "DO"),
    ("ecuador", "EC"),
    ("egypt", "EG"),
    ("estonia", "EE"),
    ("finland", "FI"),
    ("france", "FR"),
    ("germany", "DE"),
    ("deutschland", "DE"),
    ("greece", "GR"),
    ("honduras", "HN"),
    ("hong kong", "HK"),
    ("hungary", "HU"),
    ("iceland", "IS"),
    ("india", "IN"),
    ("indonesia", "ID"),
    ("ireland", "IE"),
    ("israel", "IL"),
    ("italy", "IT"),
    ("italia", "IT"),
    ("japan", "JP"),
    ("jordan", "JO"),
    ("korea", "KR"),
    ("south korea", "KR"),
    ("kuwait", "KW"),
    ("latvia", "LV"),
    ("lebanon", "LB"),
    ("lithuania", "LT"),
    ("luxembourg", "LU"),
    ("malaysia", "MY"),
    ("malta", "MT"),
    ("mexico", "MX"),
    ("méxico", "MX"),
    ("netherlands", "NL"),
    ("the netherlands", "NL"),
    ("nederland", "NL"),
    ("new zealand", "NZ"),
    ("norway", "NO"),
    ("norge", "NO"),
    ("oman", "OM"),
    ("pakistan", "PK"),
    ("panama", "PA"),
    ("peru", "PE"),
    ("perú", "PE"),
    ("philippines", "PH"),
    ("poland", "PL"),
    ("polska", "PL"),
    ("portugal", "PT"),
    ("qatar", "QA"),
    ("romania", "RO"),
    ("saudi arabia", "SA"),
    ("serbia", "RS"),
    ("singapore", "SG"),
    ("slovakia", "SK"),
    ("slovenia", "SI"),
    ("south africa", "ZA"),
    ("spain", "ES"),
    ("españa", "ES"),
    ("sweden", "SE"),
    ("sverige", "SE"),
    ("switzerland", "CH"),
    ("schweiz", "CH"),
    ("suisse", "CH"),
    ("taiwan", "TW"),
    ("thailand", "TH"),
    ("turkey", "TR"),
    ("türkiye", "TR"),
    ("uae", "AE"),
    ("united arab emirates", "AE"),
    ("uk", "GB"),
    ("u.k.", "GB"),
    ("united kingdom", "GB"),
    ("great britain", "GB"),
    ("england", "GB"),
    ("scotland", "GB"),
    ("wales", "GB"),
    ("northern ireland", "GB"),
    ("us", "US"),
    ("usa", "US"),
    ("u.s.", "US"),
    ("u.s.a.", "US"),
    ("united states", "US"),
    ("united states of america", "US"),
    ("uruguay", "UY"),
    ("venezuela", "VE"),
    ("vietnam", "VN"),
];

/// States, provinces and territories (name and postal abbreviation) →
/// their country, for places written "Houston, TX" or "Tampa, Florida".
const REGIONS: &[(&str, &str, &str)] = &[
    ("alabama", "al", "US"),
    ("alaska", "ak", "US"),
    ("arizona", "az", "US"),
    ("arkansas", "ar", "US"),
    ("california", "ca", "US"),
    ("colorado", "co", "US"),
    ("connecticut", "ct", "US"),
    ("delaware", "de", "US"),
    ("district of columbia", "dc", "US"),
    ("florida", "fl", "US"),
    ("georgia", "ga", "US"),
    ("hawaii", "hi", "US"),
    ("idaho", "id", "US"),
    ("illinois", "il", "US"),
    ("indiana", "in", "US"),
    ("iowa", "ia", "US"),
    ("kansas", "ks", "US"),
    ("kentucky", "ky", "US"),
    ("louisiana", "la", "US"),
    ("maine", "me", "US"),
    ("maryland", "md", "US"),
    ("massachusetts", "ma", "US"),
    ("michigan", "mi", "US"),
    ("minnesota", "mn", "US"),
    ("mississippi", "ms", "US"),
    ("missouri", "mo", "US"),
    ("montana", "mt", "US"),
    ("nebraska", "ne", "US"),
    ("nevada", "nv", "US"),
    ("new hampshire", "nh", "US"),
    ("new jersey", "nj", "US"),
    ("new mexico", "nm", "US"),
    ("new york", "ny", "US"),
    ("north carolina", "nc", "US"),
    ("north dakota", "nd", "US"),
    ("ohio", "oh", "US"),
    ("oklahoma", "ok", "US"),
    ("oregon", "or", "US"),
    ("pennsylvania", "pa", "US"),
    ("rhode island", "ri", "US"),
    ("south carolina", "sc", "US"),
    ("south dakota", "sd", "US"),
    ("tennessee", "tn", "US"),
    ("texas", "tx", "US"),
    ("utah", "ut", "US"),
    ("vermont", "vt", "US"),
    ("virginia", "va", "US"),
    ("washington", "wa", "US"),
    ("west virginia", "wv", "US"),
    ("wisconsin", "wi", "US"),
    ("wyoming", "wy", "US"),
    ("alberta", "ab", "CA"),
    ("british columbia", "bc", "CA"),
    ("manitoba", "mb", "CA"),
    ("new brunswick", "nb", "CA"),
    ("nova scotia", "ns", "CA"),
    ("ontario", "on", "CA"),
    ("quebec", "qc", "CA"),
    ("québec", "qc", "CA"),
    ("saskatchewan", "sk", "CA"),
    ("new south wales", "nsw", "AU"),
    ("queensland", "qld", "AU"),
    ("victoria", "vic", "AU"),
    ("south australia", "sa", "AU"),
    ("western australia", "wa", "AU"),
    ("tasmania", "tas", "AU"),
];

/// Names in [`COUNTRIES`] that are nations of the United Kingdom.
const UK_NATIONS: &[&str] = &["england", "scotland", "wales", "northern ireland"];

/// Words that make a place text mean "online".
const VIRTUAL_WORDS: &[&str] = &[
    "virtual",
    "online",
    "webinar",
    "zoom",
    "livestream",
    "live stream",
    "web-based",
];

/// A place and mode read from a place text. A place that only says
/// "Virtual" has no place and mode [`Mode::Virtual`].
pub fn parse(text: &str) -> (Place, Option<Mode>) {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = text.trim().trim_end_matches(['.', ',']).to_owned();
    if text.is_empty() {
        return (Place::default(), None);
    }
    let lower = text.to_lowercase();
    let online = VIRTUAL_WORDS.iter().any(|w| lower.contains(w));
    let hybrid = lower.contains("hybrid")
        || (online
            && (lower.contains("in person")
                || lower.contains("in-person")
                || lower.contains("onsite")));
    // "Virtual", "Online via Zoom", "Live stream on YouTube": a way of
    // attending, not a place. A place with a comma ("Online, hosted by
    // Toronto General, Toronto, ON") still names one.
    if online && !hybrid && !text.contains(',') {
        return (Place::default(), Some(Mode::Virtual));
    }
    // Remarks in brackets ("(Entrance West)", "(in person and online)") stay
    // in the text and the venue, but are no part of the city or country.
    let bare = strip_brackets_at_end(&text);
    let mut parts: Vec<&str> = bare
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let mut place = Place {
        text: text.clone(),
        ..Place::default()
    };
    if let Some(last) = parts.last() {
        let key = last.to_lowercase();
        if let Some((_, code)) = COUNTRIES.iter().find(|(name, _)| *name == key) {
            place.country_code = Some((*code).to_owned());
            // The nations of the United Kingdom are its regions, as a
            // state is of the US: "Belfast, Northern Ireland".
            if UK_NATIONS.contains(&key.as_str()) {
                place.region = Some((*last).to_owned());
            }
            parts.pop();
        }
    }
    if let Some(last) = parts.last().filter(|_| parts.len() >= 2) {
        let key = last.to_lowercase();
        let region = REGIONS.iter().find(|(name, abbr, country)| {
            (*name == key || *abbr == key)
                && place.country_code.as_deref().is_none_or(|c| c == *country)
        });
        if let Some((_, _, country)) = region {
            place.region = Some((*last).to_owned());
            place.country_code = Some((*country).to_owned());
            parts.pop();
        }
    }
    if let Some(city) = parts.pop() {
        place.city = Some(city.to_owned());
    }
    if !parts.is_empty() {
        place.venue = Some(parts.join(", "));
    }
    let mode = if hybrid {
        Mode::Hybrid
    } else if online {
        Mode::Virtual
    } else {
        Mode::InPerson
    };
    (place, Some(mode))
}

/// A place a structured format gives in parts (a venue with its city,
/// region and country), and its mode. A venue that is only the internet
/// ("Online", "Zoom") is no place: the mode is virtual.
pub fn from_parts(parts: &RawPlace) -> (Place, Option<Mode>) {
    let clean = |part: &Option<String>| {
        part.as_deref()
            .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
            .map(|p| p.trim_matches([',', ' ']).to_owned())
            .filter(|p| !p.is_empty())
    };
    let (venue, street, city, region, country) = (
        clean(&parts.venue),
        clean(&parts.street),
        clean(&parts.city),
        clean(&parts.region),
        clean(&parts.country),
    );
    let online = |v: &str| {
        let lower = v.to_lowercase();
        VIRTUAL_WORDS.iter().any(|w| lower.contains(w))
    };
    let elsewhere = street.is_some() || city.is_some() || region.is_some() || country.is_some();
    if !elsewhere && venue.as_deref().is_some_and(online) {
        return (Place::default(), Some(Mode::Virtual));
    }
    let mut country_code = country.as_deref().and_then(country_code);
    if let Some(region) = &region {
        let key = region.to_lowercase();
        let found = REGIONS.iter().find(|(name, abbr, code)| {
            (*name == key || *abbr == key) && country_code.as_deref().is_none_or(|c| c == *code)
        });
        if country_code.is_none() {
            country_code = found.map(|(_, _, code)| (*code).to_owned());
        }
    }
    let text = [&venue, &street, &city, &region, &country]
        .into_iter()
        .flatten()
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    let place = Place {
        venue,
        city,
        region,
        country_code,
        text,
    };
    let mode = (!place.is_empty()).then_some(Mode::InPerson);
    (place, mode)
}

/// A country's ISO 3166-1 alpha-2 code, from the code itself or a name.
pub fn country_code(country: &str) -> Option<String> {
    let country = country.trim();
    if country.len() == 2 && country.chars().all(|c| c.is_ascii_alphabetic()) {
        let code = country.to_ascii_uppercase();
        // "UK" is how people write GB.
        return Some(if code == "UK" { "GB".to_owned() } else { code });
    }
    let key = country.to_lowercase();
    COUNTRIES
        .iter()
        .find(|(name, _)| *name == key)
        .map(|(_, code)| (*code).to_owned())
}

/// The text without a bracketed remark at its end.
fn strip_brackets_at_end(text: &str) -> String {
    match (text.rfind('('), text.trim_end().ends_with(')')) {
        (Some(open), true) if open > 0 => text[..open].trim_end().to_owned(),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(
        text: &str,
    ) -> (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    ) {
        let (p, _) = parse(text);
        (p.venue, p.city, p.region, p.country_code)
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_owned())
    }

    #[test]
    fn places_split_from_the_right() {
        assert_eq!(split("Taipei, Taiwan"), (None, s("Taipei"), None, s("TW")));
        assert_eq!(split("London, UK"), (None, s("London"), None, s("GB")));
        assert_eq!(
            split("Grand Hyatt Tampa Bay, Tampa, Florida"),
            (
                s("Grand Hyatt Tampa Bay"),
                s("Tampa"),
                s("Florida"),
                s("US")
            )
        );
        assert_eq!(split("Houston, TX"), (None, s("Houston"), s("TX"), s("US")));
        assert_eq!(
            split("University Regensburg, Lecture Theatre A2 (Entrance West), Regensburg, Germany"),
            (
                s("University Regensburg, Lecture Theatre A2 (Entrance West)"),
                s("Regensburg"),
                None,
                s("DE")
            )
        );
        assert_eq!(
            split("Stockholm, Sweden"),
            (None, s("Stockholm"), None, s("SE"))
        );
    }

    #[test]
    fn virtual_places_have_no_place() {
        assert_eq!(parse("Virtual"), (Place::default(), Some(Mode::Virtual)));
        assert_eq!(parse("Online"), (Place::default(), Some(Mode::Virtual)));
        let (place, mode) = parse("Barcelona, Spain (in person and online)");
        assert_eq!(mode, Some(Mode::Hybrid));
        assert_eq!(place.city.as_deref(), Some("Barcelona"));
        assert_eq!(place.country_code.as_deref(), Some("ES"));
        assert_eq!(parse("Kuwait").0.country_code.as_deref(), Some("KW"));
        assert_eq!(
            parse("Online via Zoom"),
            (Place::default(), Some(Mode::Virtual))
        );
        assert_eq!(
            parse("Live stream on YouTube"),
            (Place::default(), Some(Mode::Virtual))
        );
        let (place, mode) = parse("Online, hosted by Toronto General, Toronto, ON");
        assert_eq!(mode, Some(Mode::Virtual));
        assert_eq!(place.city.as_deref(), Some("Toronto"));
    }

    #[test]
    fn uk_nations_are_regions_of_gb() {
        assert_eq!(
            split("ICC Belfast, Belfast, Northern Ireland"),
            (
                s("ICC Belfast"),
                s("Belfast"),
                s("Northern Ireland"),
                s("GB")
            )
        );
        assert_eq!(
            split("Golden Jubilee National Hospital, Clydebank, Scotland"),
            (
                s("Golden Jubilee National Hospital"),
                s("Clydebank"),
                s("Scotland"),
                s("GB")
            )
        );
        assert_eq!(split("London, UK"), (None, s("London"), None, s("GB")));
    }

    fn parts(venue: &str, city: &str, region: &str, country: &str) -> RawPlace {
        let some = |v: &str| (!v.is_empty()).then(|| v.to_owned());
        RawPlace {
            venue: some(venue),
            street: None,
            city: some(city),
            region: some(region),
            country: some(country),
        }
    }

    #[test]
    fn places_in_parts_keep_their_parts() {
        let (place, mode) = from_parts(&parts(
            "Sheraton Tampa Riverwalk Hotel",
            "Tampa",
            "FL",
            "United States",
        ));
        assert_eq!(
            (place.venue, place.city, place.region, place.country_code),
            (
                s("Sheraton Tampa Riverwalk Hotel"),
                s("Tampa"),
                s("FL"),
                s("US")
            )
        );
        assert_eq!(mode, Some(Mode::InPerson));
        let (place, _) = from_parts(&parts("", "Liverpool", "Merseyside", "GB"));
        assert_eq!(
            (place.city, place.country_code, place.text),
            (
                s("Liverpool"),
                s("GB"),
                "Liverpool, Merseyside, GB".to_owned()
            )
        );
        let (place, _) = from_parts(&parts("", "Hobart", "Tasmania", ""));
        assert_eq!(place.country_code, s("AU"), "a state names its country");
    }

    #[test]
    fn an_online_venue_is_no_place() {
        assert_eq!(
            from_parts(&parts("Online", "", "", "")),
            (Place::default(), Some(Mode::Virtual))
        );
    }
}
