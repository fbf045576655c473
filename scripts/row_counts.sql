-- The exact number of rows of every table of the portal's schema, as one line of JSON
-- ({"table": count, ...} in name order). scripts/backup writes it into the manifest from the dump's
-- own snapshot; scripts/restore computes it again on the restored database and compares.
SELECT coalesce(json_object_agg(c.relname, (xpath('/row/n/text()', query_to_xml(
         format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text::bigint
         ORDER BY c.relname), '{}')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = current_schema();
