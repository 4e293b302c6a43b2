select CAST(key AS DOUBLE) / 3, -price, 'it''s', "flag" from t x where x.price >= 1.5e2 or shipdate = '1998-01-01' -- comment
 order by key + 1 desc nulls last limit 10 /* block */