SELECT grp, count(*) FROM bench GROUP BY grp;
