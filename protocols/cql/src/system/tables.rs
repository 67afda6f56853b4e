//! The definitions of the system tables drivers and cqlsh read, as Cassandra 4.1 creates
//! them (SystemKeyspace.java: local, peers, peers_v2; SchemaKeyspace.java: the
//! system_schema tables; VirtualSchemaKeyspace.java: system_virtual_schema), read from the
//! apache/cassandra 4.1 source (a mirror whose build.xml says base.version 4.1). The text
//! is parsed by Orbit's own CQL parser and built like any CREATE TABLE.

pub struct SystemTable {
    pub keyspace: &'static str,
    pub name: &'static str,
    pub cql: &'static str,
}

const fn table(keyspace: &'static str, name: &'static str, cql: &'static str) -> SystemTable {
    SystemTable { keyspace, name, cql }
}

pub const TABLES: &[SystemTable] = &[
    table(
        "system",
        "local",
        "CREATE TABLE system.local (key text, bootstrapped text, broadcast_address inet, broadcast_port int, \
         cluster_name text, cql_version text, data_center text, gossip_generation int, host_id uuid, \
         listen_address inet, listen_port int, native_protocol_version text, partitioner text, rack text, \
         release_version text, rpc_address inet, rpc_port int, schema_version uuid, tokens set<varchar>, \
         truncated_at map<uuid, blob>, PRIMARY KEY ((key)))",
    ),
    table(
        "system",
        "peers",
        "CREATE TABLE system.peers (peer inet, data_center text, host_id uuid, preferred_ip inet, rack text, \
         release_version text, rpc_address inet, schema_version uuid, tokens set<varchar>, PRIMARY KEY ((peer)))",
    ),
    table(
        "system",
        "peers_v2",
        "CREATE TABLE system.peers_v2 (peer inet, peer_port int, data_center text, host_id uuid, preferred_ip inet, \
         preferred_port int, rack text, release_version text, native_address inet, native_port int, \
         schema_version uuid, tokens set<varchar>, PRIMARY KEY ((peer), peer_port))",
    ),
    // Indexes that are built (every index: Orbit's indexes answer from the table itself);
    // `table_name` holds the keyspace's name, as in Cassandra.
    table(
        "system",
        "IndexInfo",
        "CREATE TABLE system.\"IndexInfo\" (table_name text, index_name text, value blob, \
         PRIMARY KEY ((table_name), index_name))",
    ),
    table(
        "system_schema",
        "keyspaces",
        "CREATE TABLE system_schema.keyspaces (keyspace_name text, durable_writes boolean, \
         replication frozen<map<text, text>>, PRIMARY KEY ((keyspace_name)))",
    ),
    table(
        "system_schema",
        "tables",
        "CREATE TABLE system_schema.tables (keyspace_name text, table_name text, bloom_filter_fp_chance double, \
         caching frozen<map<text, text>>, comment text, compaction frozen<map<text, text>>, \
         compression frozen<map<text, text>>, crc_check_chance double, dclocal_read_repair_chance double, \
         default_time_to_live int, extensions frozen<map<text, blob>>, flags frozen<set<text>>, \
         gc_grace_seconds int, id uuid, max_index_interval int, memtable_flush_period_in_ms int, \
         min_index_interval int, read_repair_chance double, speculative_retry text, additional_write_policy text, \
         cdc boolean, read_repair text, PRIMARY KEY ((keyspace_name), table_name))",
    ),
    table(
        "system_schema",
        "columns",
        "CREATE TABLE system_schema.columns (keyspace_name text, table_name text, column_name text, \
         clustering_order text, column_name_bytes blob, kind text, position int, type text, \
         PRIMARY KEY ((keyspace_name), table_name, column_name))",
    ),
    table(
        "system_schema",
        "dropped_columns",
        "CREATE TABLE system_schema.dropped_columns (keyspace_name text, table_name text, column_name text, \
         dropped_time timestamp, kind text, type text, PRIMARY KEY ((keyspace_name), table_name, column_name))",
    ),
    table(
        "system_schema",
        "triggers",
        "CREATE TABLE system_schema.triggers (keyspace_name text, table_name text, trigger_name text, \
         options frozen<map<text, text>>, PRIMARY KEY ((keyspace_name), table_name, trigger_name))",
    ),
    table(
        "system_schema",
        "views",
        "CREATE TABLE system_schema.views (keyspace_name text, view_name text, base_table_id uuid, \
         base_table_name text, where_clause text, bloom_filter_fp_chance double, caching frozen<map<text, text>>, \
         comment text, compaction frozen<map<text, text>>, compression frozen<map<text, text>>, \
         crc_check_chance double, dclocal_read_repair_chance double, default_time_to_live int, \
         extensions frozen<map<text, blob>>, gc_grace_seconds int, id uuid, include_all_columns boolean, \
         max_index_interval int, memtable_flush_period_in_ms int, min_index_interval int, \
         read_repair_chance double, speculative_retry text, additional_write_policy text, cdc boolean, \
         read_repair text, PRIMARY KEY ((keyspace_name), view_name))",
    ),
    table(
        "system_schema",
        "indexes",
        "CREATE TABLE system_schema.indexes (keyspace_name text, table_name text, index_name text, kind text, \
         options frozen<map<text, text>>, PRIMARY KEY ((keyspace_name), table_name, index_name))",
    ),
    table(
        "system_schema",
        "types",
        "CREATE TABLE system_schema.types (keyspace_name text, type_name text, field_names frozen<list<text>>, \
         field_types frozen<list<text>>, PRIMARY KEY ((keyspace_name), type_name))",
    ),
    table(
        "system_schema",
        "functions",
        "CREATE TABLE system_schema.functions (keyspace_name text, function_name text, \
         argument_types frozen<list<text>>, argument_names frozen<list<text>>, body text, language text, \
         return_type text, called_on_null_input boolean, \
         PRIMARY KEY ((keyspace_name), function_name, argument_types))",
    ),
    table(
        "system_schema",
        "aggregates",
        "CREATE TABLE system_schema.aggregates (keyspace_name text, aggregate_name text, \
         argument_types frozen<list<text>>, final_func text, initcond text, return_type text, state_func text, \
         state_type text, PRIMARY KEY ((keyspace_name), aggregate_name, argument_types))",
    ),
    table(
        "system_virtual_schema",
        "keyspaces",
        "CREATE TABLE system_virtual_schema.keyspaces (keyspace_name text, PRIMARY KEY ((keyspace_name)))",
    ),
    table(
        "system_virtual_schema",
        "tables",
        "CREATE TABLE system_virtual_schema.tables (keyspace_name text, table_name text, comment text, \
         PRIMARY KEY ((keyspace_name), table_name))",
    ),
    table(
        "system_virtual_schema",
        "columns",
        "CREATE TABLE system_virtual_schema.columns (keyspace_name text, table_name text, column_name text, \
         clustering_order text, column_name_bytes blob, kind text, position int, type text, \
         PRIMARY KEY ((keyspace_name), table_name, column_name))",
    ),
];
