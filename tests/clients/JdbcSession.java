// A PostgreSQL JDBC (pgjdbc, Debian's libpostgresql-jdbc-java) session against Orbit's
// PostgreSQL listener, run by tests/tests/e2e/postgres.rs.
//
// Usage: java -cp DIR:/usr/share/java/postgresql.jar JdbcSession PORT
// Exits non-zero with a message on the first mismatch.

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.Date;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.Arrays;
import java.util.Properties;

public class JdbcSession {
    static void check(boolean ok, String what) {
        if (!ok) {
            System.err.println("JDBC mismatch: " + what);
            System.exit(1);
        }
    }

    public static void main(String[] args) throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + args[0] + "/postgres";
        Properties props = new Properties();
        props.setProperty("user", "postgres");
        props.setProperty("sslmode", "disable");
        // Server-side prepared statements from the second execution on.
        props.setProperty("prepareThreshold", "2");
        try (Connection conn = DriverManager.getConnection(url, props)) {
            try (Statement st = conn.createStatement()) {
                st.execute("CREATE TABLE jd (id bigint PRIMARY KEY, name text, price numeric(10,2), "
                        + "ok boolean, born date, at timestamp, data bytea)");
            }

            // Batched inserts: pgjdbc pipelines Parse/Bind/Execute and one Sync.
            try (PreparedStatement ps = conn.prepareStatement("INSERT INTO jd VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                for (int i = 1; i <= 20; i++) {
                    ps.setLong(1, i);
                    ps.setString(2, "item" + i);
                    ps.setBigDecimal(3, new BigDecimal(i + ".25"));
                    ps.setBoolean(4, i % 2 == 0);
                    ps.setDate(5, Date.valueOf("2024-01-" + String.format("%02d", i)));
                    ps.setTimestamp(6, Timestamp.valueOf("2024-02-03 04:05:06.5"));
                    ps.setBytes(7, new byte[] {(byte) i, 0, (byte) 255});
                    ps.addBatch();
                }
                int[] counts = ps.executeBatch();
                check(counts.length == 20 && Arrays.stream(counts).allMatch(c -> c == 1),
                        "batch counts " + Arrays.toString(counts));
            }

            // A prepared query run often enough to become a named server-side statement.
            try (PreparedStatement ps = conn.prepareStatement(
                    "SELECT name, price, ok, born, at, data FROM jd WHERE id = ?")) {
                for (int round = 0; round < 5; round++) {
                    ps.setLong(1, 7);
                    try (ResultSet rs = ps.executeQuery()) {
                        check(rs.next(), "row 7 found");
                        check(rs.getString(1).equals("item7"), "name " + rs.getString(1));
                        check(rs.getBigDecimal(2).compareTo(new BigDecimal("7.25")) == 0, "price " + rs.getBigDecimal(2));
                        check(!rs.getBoolean(3), "ok");
                        check(rs.getDate(4).toString().equals("2024-01-07"), "born " + rs.getDate(4));
                        check(rs.getTimestamp(5).equals(Timestamp.valueOf("2024-02-03 04:05:06.5")),
                                "at " + rs.getTimestamp(5));
                        check(Arrays.equals(rs.getBytes(6), new byte[] {7, 0, (byte) 255}), "data");
                        check(!rs.next(), "one row");
                    }
                }
            }

            // An explicit transaction rolled back, then one committed.
            conn.setAutoCommit(false);
            try (Statement st = conn.createStatement()) {
                st.executeUpdate("DELETE FROM jd WHERE id > 10");
                conn.rollback();
                st.executeUpdate("UPDATE jd SET name = 'changed' WHERE id = 1");
                conn.commit();
            }
            conn.setAutoCommit(true);
            try (Statement st = conn.createStatement();
                    ResultSet rs = st.executeQuery("SELECT count(*), min(name) FROM jd")) {
                check(rs.next() && rs.getLong(1) == 20, "rollback kept the rows");
                check(rs.getString(2).equals("changed"), "commit kept the update: " + rs.getString(2));
            }

            // Errors carry their SQLSTATE.
            try (Statement st = conn.createStatement()) {
                st.executeUpdate("INSERT INTO jd (id, name) VALUES (1, 'dup')");
                check(false, "expected a unique violation");
            } catch (SQLException e) {
                check("23505".equals(e.getSQLState()), "SQLSTATE " + e.getSQLState() + ": " + e.getMessage());
            }
            try (Statement st = conn.createStatement()) {
                st.executeQuery("SELECT 1 / 0");
                check(false, "expected division by zero");
            } catch (SQLException e) {
                check("22012".equals(e.getSQLState()), "SQLSTATE " + e.getSQLState());
            }

            // A batch whose second statement fails rolls the whole batch back (one
            // implicit transaction up to Sync).
            try (PreparedStatement ps = conn.prepareStatement("INSERT INTO jd (id, name) VALUES (?, ?)")) {
                ps.setLong(1, 100);
                ps.setString(2, "new");
                ps.addBatch();
                ps.setLong(1, 1);
                ps.setString(2, "dup");
                ps.addBatch();
                ps.executeBatch();
                check(false, "expected the batch to fail");
            } catch (SQLException e) {
                check("23505".equals(e.getSQLState()), "batch SQLSTATE " + e.getSQLState());
            }
            try (Statement st = conn.createStatement();
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM jd WHERE id = 100")) {
                check(rs.next() && rs.getLong(1) == 0, "the failed batch left nothing behind");
            }
        }
        System.out.println("jdbc session ok");
    }
}
