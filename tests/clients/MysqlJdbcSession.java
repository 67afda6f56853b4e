// One JDBC session through MariaDB Connector/J (Debian's libmariadb-java), run unchanged
// against Orbit's MySQL listener and against MariaDB: server-side prepared statements
// (useServerPrepStmts), batches, generated keys, decimals, timestamps, transactions and
// error codes. Usage: java MysqlJdbcSession PORT; prints "jdbc session ok".
import java.math.BigDecimal;
import java.sql.*;

public class MysqlJdbcSession {
    static void check(String what, Object got, Object want) {
        if (!String.valueOf(got).equals(String.valueOf(want))) {
            throw new AssertionError(what + ": got " + got + ", want " + want);
        }
    }

    public static void main(String[] args) throws Exception {
        String url = "jdbc:mariadb://127.0.0.1:" + args[0] + "/?user=root&useServerPrepStmts=true";
        try (Connection c = DriverManager.getConnection(url)) {
            Statement s = c.createStatement();
            s.execute("DROP DATABASE IF EXISTS jdbcapp");
            s.execute("CREATE DATABASE jdbcapp");
            s.execute("USE jdbcapp");
            s.execute("CREATE TABLE orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, customer VARCHAR(40) NOT NULL, "
                    + "amount DECIMAL(10,2) NOT NULL, placed DATETIME)");
            PreparedStatement ins = c.prepareStatement(
                    "INSERT INTO orders (customer, amount, placed) VALUES (?, ?, ?)", Statement.RETURN_GENERATED_KEYS);
            ins.setString(1, "ada");
            ins.setBigDecimal(2, new BigDecimal("12.50"));
            ins.setTimestamp(3, Timestamp.valueOf("2024-03-04 05:06:07"));
            check("insert count", ins.executeUpdate(), 1);
            ResultSet keys = ins.getGeneratedKeys();
            keys.next();
            check("generated key", keys.getLong(1), 1);
            for (String name : new String[] {"bob", "cy", "dee"}) {
                ins.setString(1, name);
                ins.setBigDecimal(2, new BigDecimal("3.25"));
                ins.setNull(3, Types.TIMESTAMP);
                ins.addBatch();
            }
            int[] batch = ins.executeBatch();
            check("batch size", batch.length, 3);
            PreparedStatement q = c.prepareStatement("SELECT id, customer, amount, placed FROM orders WHERE amount >= ? ORDER BY id");
            q.setBigDecimal(1, new BigDecimal("10"));
            ResultSet rs = q.executeQuery();
            check("row", rs.next(), true);
            check("id", rs.getLong(1), 1);
            check("customer", rs.getString(2), "ada");
            check("amount", rs.getBigDecimal(3), new BigDecimal("12.50"));
            check("placed", rs.getTimestamp(4), Timestamp.valueOf("2024-03-04 05:06:07"));
            check("one row", rs.next(), false);
            ResultSet sum = s.executeQuery("SELECT COUNT(*), SUM(amount) FROM orders");
            sum.next();
            check("count", sum.getLong(1), 4);
            check("sum", sum.getBigDecimal(2), new BigDecimal("22.25"));

            c.setAutoCommit(false);
            s.executeUpdate("DELETE FROM orders WHERE customer = 'bob'");
            c.rollback();
            s.executeUpdate("UPDATE orders SET amount = amount + 1 WHERE customer = 'cy'");
            c.commit();
            c.setAutoCommit(true);
            ResultSet after = s.executeQuery("SELECT customer, amount FROM orders WHERE id IN (2, 3) ORDER BY id");
            after.next();
            check("rolled back", after.getString(1), "bob");
            after.next();
            check("committed", after.getBigDecimal(2), new BigDecimal("4.25"));

            try {
                s.executeUpdate("INSERT INTO orders (id, customer, amount) VALUES (1, 'dup', 1)");
                throw new AssertionError("duplicate key accepted");
            } catch (SQLException e) {
                check("duplicate code", e.getErrorCode(), 1062);
                check("duplicate state", e.getSQLState(), "23000");
            }
            try {
                s.executeQuery("SELECT nope FROM orders");
                throw new AssertionError("unknown column accepted");
            } catch (SQLException e) {
                check("unknown column", e.getErrorCode(), 1054);
            }
            s.execute("DROP DATABASE jdbcapp");
        }
        System.out.println("jdbc session ok");
    }
}
