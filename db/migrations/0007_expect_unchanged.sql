-- A non-interactive transaction (Neon's SQL-over-HTTP batch) cannot branch on what an earlier one
-- read. A write derived from such a read states what it read; when that changed meanwhile the batch
-- aborts with serialization_failure (40001) and the caller reads again and retries.
CREATE FUNCTION expect_unchanged(unchanged boolean, what text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT unchanged THEN
    RAISE EXCEPTION '% changed since it was read', what USING ERRCODE = 'serialization_failure';
  END IF;
  RETURN true;
END
$$;
