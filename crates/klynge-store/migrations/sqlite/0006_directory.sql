-- The organisation directory's freshness check reads MAX(updated_at) on every search.
CREATE INDEX organisations_updated_at ON organisations (updated_at);
