//! Proleptic Gregorian calendar arithmetic on day numbers (days since 1970-01-01): civil
//! dates, ISO weeks, ordinal days and quarters, and the bounds Cypher's temporal values
//! keep to (years -999,999,999 ..= 999,999,999, as Neo4j).

use crate::error::{CypherError, CypherResult};

pub const NANOS_PER_SECOND: i64 = 1_000_000_000;
pub const SECONDS_PER_DAY: i64 = 86_400;
pub const NANOS_PER_DAY: i64 = SECONDS_PER_DAY * NANOS_PER_SECOND;
pub const MIN_YEAR: i64 = -999_999_999;
pub const MAX_YEAR: i64 = 999_999_999;

pub fn is_leap(year: i64) -> bool {
    year.rem_euclid(4) == 0 && (year.rem_euclid(100) != 0 || year.rem_euclid(400) == 0)
}

pub fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(year) => 29,
        _ => 28,
    }
}

pub fn days_in_year(year: i64) -> i64 {
    if is_leap(year) {
        366
    } else {
        365
    }
}

/// Day number of a civil date; the caller has checked the month and day.
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let shifted_month = (month + 9) % 12;
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// (year, month, day) of a day number.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// ISO day of week, Monday 1 ..= Sunday 7.
pub fn day_of_week(days: i64) -> i64 {
    (days + 3).rem_euclid(7) + 1
}

/// The Monday that starts ISO week 1 of `week_year`.
pub fn week_one_monday(week_year: i64) -> i64 {
    let jan4 = days_from_civil(week_year, 1, 4);
    jan4 - (day_of_week(jan4) - 1)
}

/// (ISO week-based year, week number).
pub fn iso_week(days: i64) -> (i64, i64) {
    let (year, _, _) = civil_from_days(days);
    let mut week_year = year;
    if days < week_one_monday(year) {
        week_year = year - 1;
    } else if days >= week_one_monday(year + 1) {
        week_year = year + 1;
    }
    (week_year, (days - week_one_monday(week_year)) / 7 + 1)
}

pub fn weeks_in_year(week_year: i64) -> i64 {
    (week_one_monday(week_year + 1) - week_one_monday(week_year)) / 7
}

pub fn ordinal_day(days: i64) -> i64 {
    let (year, _, _) = civil_from_days(days);
    days - days_from_civil(year, 1, 1) + 1
}

pub fn quarter_of_month(month: i64) -> i64 {
    (month - 1) / 3 + 1
}

pub fn quarter_start_month(quarter: i64) -> i64 {
    (quarter - 1) * 3 + 1
}

pub fn day_of_quarter(days: i64) -> i64 {
    let (year, month, _) = civil_from_days(days);
    days - days_from_civil(year, quarter_start_month(quarter_of_month(month)), 1) + 1
}

pub fn days_in_quarter(year: i64, quarter: i64) -> i64 {
    let start = quarter_start_month(quarter);
    (start..start + 3).map(|m| days_in_month(year, m)).sum()
}

fn check_range(what: &str, value: i64, min: i64, max: i64) -> CypherResult<()> {
    if value < min || value > max {
        return Err(CypherError::argument(format!("Invalid value for {what} (valid values {min} - {max}): {value}")));
    }
    Ok(())
}

pub fn check_year(year: i64) -> CypherResult<()> {
    check_range("Year", year, MIN_YEAR, MAX_YEAR)
}

/// Day number of a checked civil date.
pub fn date_from_ymd(year: i64, month: i64, day: i64) -> CypherResult<i64> {
    check_year(year)?;
    check_range("MonthOfYear", month, 1, 12)?;
    check_range("DayOfMonth", day, 1, days_in_month(year, month))?;
    Ok(days_from_civil(year, month, day))
}

pub fn date_from_week(week_year: i64, week: i64, day_of_week: i64) -> CypherResult<i64> {
    check_year(week_year)?;
    check_range("WeekOfWeekBasedYear", week, 1, weeks_in_year(week_year))?;
    check_range("DayOfWeek", day_of_week, 1, 7)?;
    Ok(week_one_monday(week_year) + (week - 1) * 7 + day_of_week - 1)
}

pub fn date_from_ordinal(year: i64, ordinal: i64) -> CypherResult<i64> {
    check_year(year)?;
    check_range("DayOfYear", ordinal, 1, days_in_year(year))?;
    Ok(days_from_civil(year, 1, 1) + ordinal - 1)
}

pub fn date_from_quarter(year: i64, quarter: i64, day_of_quarter: i64) -> CypherResult<i64> {
    check_year(year)?;
    check_range("QuarterOfYear", quarter, 1, 4)?;
    check_range("DayOfQuarter", day_of_quarter, 1, days_in_quarter(year, quarter))?;
    Ok(days_from_civil(year, quarter_start_month(quarter), 1) + day_of_quarter - 1)
}

/// Nanoseconds since midnight of a checked time of day.
pub fn time_from_hms(hour: i64, minute: i64, second: i64, nanos: i64) -> CypherResult<i64> {
    check_range("HourOfDay", hour, 0, 23)?;
    check_range("MinuteOfHour", minute, 0, 59)?;
    check_range("SecondOfMinute", second, 0, 59)?;
    check_range("NanoOfSecond", nanos, 0, NANOS_PER_SECOND - 1)?;
    Ok(((hour * 60 + minute) * 60 + second) * NANOS_PER_SECOND + nanos)
}

/// Days that a date may be at most from the epoch (the year bounds), checked after
/// arithmetic so a result stays printable.
pub fn check_days(days: i64) -> CypherResult<i64> {
    if days.unsigned_abs() > 400_000_000_000 {
        return Err(CypherError::argument(format!("Date out of range: {days} days from 1970-01-01")));
    }
    let (year, _, _) = civil_from_days(days);
    check_year(year)?;
    Ok(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_and_known_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        for d in [-800_000, -1, 0, 59, 60, 10_000, 1_000_000] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
    }

    #[test]
    fn iso_weeks() {
        // Temporal5 [2]: 1984-01-01 is in week 52 of week year 1983, a Sunday.
        let d = days_from_civil(1984, 1, 1);
        assert_eq!(iso_week(d), (1983, 52));
        assert_eq!(day_of_week(d), 7);
        // Temporal2 [1]: 2015-W30-2 is 2015-07-21.
        assert_eq!(date_from_week(2015, 30, 2).ok(), Some(days_from_civil(2015, 7, 21)));
        assert_eq!(date_from_ordinal(2015, 202).ok(), Some(days_from_civil(2015, 7, 21)));
        assert!(date_from_ymd(2015, 2, 29).is_err());
    }
}
