//! PostgreSQL type OIDs as the wire sees them: parameter types named by clients in Parse,
//! and the fixed sizes announced in RowDescription.

use orbit_sql::SqlType;

/// The engine type for a parameter type OID from a Parse message; `Unknown` for 0
/// (unspecified) and `None` for a type Orbit does not have.
pub fn sql_type_from_oid(oid: u32) -> Option<SqlType> {
    let scalar = |oid: u32| -> Option<SqlType> {
        Some(match oid {
            0 | 705 => SqlType::Unknown,
            16 => SqlType::Bool,
            17 => SqlType::Bytea,
            20 => SqlType::Int8,
            21 => SqlType::Int2,
            23 => SqlType::Int4,
            25 => SqlType::Text,
            114 => SqlType::Json,
            700 => SqlType::Float4,
            701 => SqlType::Float8,
            1042 => SqlType::Bpchar,
            1043 => SqlType::Varchar,
            1082 => SqlType::Date,
            1083 => SqlType::Time,
            1114 => SqlType::Timestamp,
            1184 => SqlType::TimestampTz,
            1186 => SqlType::Interval,
            1700 => SqlType::Numeric,
            2950 => SqlType::Uuid,
            3802 => SqlType::Jsonb,
            orbit_sql::vector::VECTOR_OID => SqlType::Vector(None),
            _ => return None,
        })
    };
    let array_of = match oid {
        1000 => 16,
        1001 => 17,
        1005 => 21,
        1007 => 23,
        1009 => 25,
        1014 => 1042,
        1015 => 1043,
        1016 => 20,
        1021 => 700,
        1022 => 701,
        1115 => 1114,
        1182 => 1082,
        1183 => 1083,
        1185 => 1184,
        1187 => 1186,
        1231 => 1700,
        2951 => 2950,
        199 => 114,
        3807 => 3802,
        orbit_sql::vector::VECTOR_ARRAY_OID => orbit_sql::vector::VECTOR_OID,
        other => return scalar(other),
    };
    scalar(array_of).map(|inner| SqlType::Array(Box::new(inner)))
}

/// The OID announced for a parameter in ParameterDescription: a parameter whose type the
/// engine left open is sent and received as text, as PostgreSQL resolves `unknown`.
pub fn parameter_oid(ty: &SqlType) -> u32 {
    match ty {
        SqlType::Unknown => SqlType::Text.oid(),
        other => other.oid(),
    }
}

/// `pg_type.typlen`: the fixed size of a type, -1 for variable-length ones.
pub fn type_size(ty: &SqlType) -> i16 {
    match ty {
        SqlType::Bool => 1,
        SqlType::Int2 => 2,
        SqlType::Int4 | SqlType::Float4 | SqlType::Date => 4,
        SqlType::Int8 | SqlType::Float8 | SqlType::Time | SqlType::Timestamp | SqlType::TimestampTz => 8,
        SqlType::Interval | SqlType::Uuid => 16,
        SqlType::Unknown => -2,
        _ => -1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oids_round_trip() {
        let types = [
            SqlType::Bool,
            SqlType::Int2,
            SqlType::Int4,
            SqlType::Int8,
            SqlType::Float4,
            SqlType::Float8,
            SqlType::Numeric,
            SqlType::Text,
            SqlType::Varchar,
            SqlType::Bpchar,
            SqlType::Bytea,
            SqlType::Date,
            SqlType::Time,
            SqlType::Timestamp,
            SqlType::TimestampTz,
            SqlType::Interval,
            SqlType::Uuid,
            SqlType::Json,
            SqlType::Jsonb,
        ];
        for ty in types {
            assert_eq!(sql_type_from_oid(ty.oid()), Some(ty.clone()));
            let array = SqlType::Array(Box::new(ty));
            assert_eq!(sql_type_from_oid(array.oid()), Some(array));
        }
        assert_eq!(sql_type_from_oid(0), Some(SqlType::Unknown));
        assert_eq!(sql_type_from_oid(26), None);
    }
}
