-- Placeholder on the `multiproc` branch only: another branch's migration takes this number
-- (migrations must be numbered without gaps). Delete this file when that migration lands.
SELECT 1;
