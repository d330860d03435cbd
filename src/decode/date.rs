//! Dates: feed timestamps in RFC 3339, RFC 2822 and the odd formats seen in the wild.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

/// Reads a feed timestamp: RFC 3339 and RFC 2822 first, then the odd formats seen in the wild:
/// `2025-05-11 10:00:00`, `2025-05-11T10:00:00` (no zone: UTC), named zones (`IST`, `PKT`,
/// ...), a missing or wrong weekday, two-digit years, `11 May 2025`, `May 11, 2025`,
/// `GMT+5:30`. Returns `None` for anything it cannot read.
pub fn parse_date(raw: &str) -> Option<DateTime<Utc>> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.to_utc());
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(s) {
        return Some(t.to_utc());
    }
    if s.as_bytes().first().is_some_and(u8::is_ascii_digit)
        && s.as_bytes()
            .get(4)
            .is_some_and(|b| matches!(b, b'-' | b'/'))
    {
        parse_iso_like(s)
    } else {
        parse_words(s)
    }
}

/// `YYYY-MM-DD`, optionally followed by `T` or a space, a time, and a zone.
fn parse_iso_like(s: &str) -> Option<DateTime<Utc>> {
    let (year, rest) = take_number(s, 4, 4)?;
    let rest = rest.strip_prefix(['-', '/'])?;
    let (month, rest) = take_number(rest, 1, 2)?;
    let rest = rest.strip_prefix(['-', '/'])?;
    let (day, rest) = take_number(rest, 1, 2)?;
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
    let rest = rest.trim_start_matches(['T', 't', ' ']);
    let (time, rest) = if rest.is_empty() {
        (NaiveTime::MIN, rest)
    } else {
        parse_clock(rest)?
    };
    let offset_minutes = zone_minutes(rest.trim())?;
    finish(date, time, offset_minutes)
}

/// Word-based dates: `Sun, 11 May 2025 10:00:00 PKT`, `May 11, 2025 3:30 PM IST`,
/// `11 May 25`, `Thursday, 8 May 2025 09:15 GMT+5:30`.
fn parse_words(s: &str) -> Option<DateTime<Utc>> {
    let mut month = None;
    let mut year = None;
    let mut numbers: [Option<u32>; 2] = [None, None];
    let mut time = None;
    let mut pm = None;
    let mut offset = 0;
    for token in s
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
    {
        let token = token.trim_matches(|c| c == '(' || c == ')' || c == '.');
        let first = token.chars().next()?;
        if first.is_ascii_digit() && token.contains(':') {
            let (clock, rest) = parse_clock(token)?;
            time = Some(clock);
            match rest.to_ascii_lowercase().as_str() {
                "" => {}
                "am" => pm = Some(false),
                "pm" => pm = Some(true),
                zone => offset = zone_minutes(zone)?,
            }
        } else if first.is_ascii_digit() {
            let digits = token.bytes().take_while(u8::is_ascii_digit).count();
            let suffix = &token[digits..];
            if !matches!(suffix, "" | "st" | "nd" | "rd" | "th") {
                return None;
            }
            let n: u32 = token[..digits].parse().ok()?;
            if digits == 4 {
                year = Some(n as i32);
            } else if numbers[0].is_none() {
                numbers[0] = Some(n);
            } else if numbers[1].is_none() {
                numbers[1] = Some(n);
            } else {
                return None;
            }
        } else if first == '+' || first == '-' {
            offset = zone_minutes(token)?;
        } else {
            let lower = token.to_ascii_lowercase();
            if let Some(m) = month_number(&lower) {
                month = Some(m);
            } else if lower == "am" || lower == "pm" {
                pm = Some(lower == "pm");
            } else if let Some(minutes) = zone_minutes(&lower) {
                offset = minutes;
            }
            // Anything else (weekdays in any language, "at", "on") carries no date.
        }
    }
    let day = numbers[0]?;
    let year = match (year, numbers[1]) {
        (Some(y), None) => y,
        // RFC 5322's rule for two-digit years.
        (None, Some(y)) if y < 50 => 2000 + y as i32,
        (None, Some(y)) if y < 100 => 1900 + y as i32,
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(year, month?, day)?;
    let mut time = time.unwrap_or(NaiveTime::MIN);
    if let Some(pm) = pm {
        use chrono::Timelike;
        let hour = time.hour() % 12 + if pm { 12 } else { 0 };
        time = time.with_hour(hour)?;
    }
    finish(date, time, offset)
}

/// Leading digits of `s` (between `min` and `max` of them) as a number, and the rest.
fn take_number(s: &str, min: usize, max: usize) -> Option<(u32, &str)> {
    let digits = s.bytes().take(max).take_while(u8::is_ascii_digit).count();
    if digits < min {
        return None;
    }
    Some((s[..digits].parse().ok()?, &s[digits..]))
}

/// `H:MM`, `HH:MM:SS` or `HH:MM:SS.fff` at the start of `s`, and the rest. Hour 24 is read as
/// midnight of the same day and second 60 as 59, as feeds mean them.
fn parse_clock(s: &str) -> Option<(NaiveTime, &str)> {
    let (hour, rest) = take_number(s, 1, 2)?;
    let (minute, mut rest) = take_number(rest.strip_prefix(':')?, 2, 2)?;
    let mut second = 0;
    if let Some(after) = rest.strip_prefix(':') {
        let (sec, after) = take_number(after, 2, 2)?;
        second = sec.min(59);
        rest = after;
        if let Some(fraction) = rest.strip_prefix(['.', ',']) {
            rest = fraction.trim_start_matches(|c: char| c.is_ascii_digit());
        }
    }
    let time = NaiveTime::from_hms_opt(hour % 24, minute, second)?;
    Some((time, rest))
}

/// A date and wall-clock time at a UTC offset (minutes east), as UTC.
fn finish(date: NaiveDate, time: NaiveTime, offset_minutes: i32) -> Option<DateTime<Utc>> {
    let local = date.and_time(time);
    let utc = local.checked_sub_signed(chrono::TimeDelta::minutes(i64::from(offset_minutes)))?;
    Some(utc.and_utc())
}

/// English month names and abbreviations (`may`, `sept`, `january`).
fn month_number(lower: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    if lower.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| {
            m.starts_with(lower) || (lower.len() == 4 && lower == "sept" && *m == "september")
        })
        .map(|i| i as u32 + 1)
}

/// A zone as minutes east of UTC: empty (UTC), `Z`, `+05:30`, `+0530`, `+05`, `GMT+5:30`,
/// or a name. Names cover the zones of the region Wirewatch follows plus the common ones;
/// ambiguous names take the meaning RFC 822 or the region gives them (`IST` is India).
fn zone_minutes(zone: &str) -> Option<i32> {
    let zone = zone.trim();
    if zone.is_empty() {
        return Some(0);
    }
    let lower = zone.to_ascii_lowercase();
    for prefix in ["gmt", "utc", "ut"] {
        if let Some(rest) = lower.strip_prefix(prefix) {
            if rest.starts_with(['+', '-']) {
                return numeric_offset(rest);
            }
        }
    }
    if zone.starts_with(['+', '-']) {
        return numeric_offset(zone);
    }
    let hours_minutes = |h: i32, m: i32| Some(h * 60 + m);
    match lower.as_str() {
        "z" | "ut" | "utc" | "gmt" | "wet" => hours_minutes(0, 0),
        "ist" | "slst" => hours_minutes(5, 30), // India, Sri Lanka
        "pkt" | "uzt" | "mvt" | "tjt" | "yekt" => hours_minutes(5, 0), // Pakistan, Maldives, Central Asia
        "npt" => hours_minutes(5, 45),                                 // Nepal
        "bdt" | "btt" | "almt" => hours_minutes(6, 0),                 // Bangladesh, Bhutan, Almaty
        "mmt" => hours_minutes(6, 30),                                 // Myanmar
        "ict" | "wib" => hours_minutes(7, 0),
        "cst8" | "bjt" | "hkt" | "sgt" | "pht" | "awst" | "myt" => hours_minutes(8, 0), // China, Hong Kong, ...
        "jst" | "kst" => hours_minutes(9, 0),
        "aest" => hours_minutes(10, 0),
        "aedt" => hours_minutes(11, 0),
        "aft" => hours_minutes(4, 30), // Afghanistan
        "irst" => hours_minutes(3, 30),
        "gst" | "amt" => hours_minutes(4, 0), // Gulf
        "msk" | "ast" | "eat" | "trt" | "eest" => hours_minutes(3, 0),
        "cest" | "eet" | "sast" => hours_minutes(2, 0),
        "cet" | "bst" | "wat" | "west" => hours_minutes(1, 0),
        "edt" => hours_minutes(-4, 0),
        "est" | "cdt" => hours_minutes(-5, 0),
        "cst" | "mdt" => hours_minutes(-6, 0),
        "mst" | "pdt" => hours_minutes(-7, 0),
        "pst" | "akdt" => hours_minutes(-8, 0),
        "akst" | "hdt" => hours_minutes(-9, 0),
        "hst" => hours_minutes(-10, 0),
        _ => None,
    }
}

/// `+05:30`, `+0530`, `+05`, `+5:30`, `-4` as minutes east of UTC.
fn numeric_offset(s: &str) -> Option<i32> {
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let body = &s[1..];
    let (hours, minutes) = match body.split_once(':') {
        Some((h, m)) => (h, m),
        // Cut only between characters: a non-ASCII byte here is no digit, and is refused below.
        None if body.len() == 4 => body.split_at_checked(2)?,
        None if body.len() <= 2 => (body, "0"),
        None => return None,
    };
    if hours.is_empty()
        || !hours.bytes().all(|b| b.is_ascii_digit())
        || !minutes.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let (hours, minutes): (i32, i32) = (hours.parse().ok()?, minutes.parse().ok()?);
    (hours <= 14 && minutes < 60).then(|| sign * (hours * 60 + minutes))
}
