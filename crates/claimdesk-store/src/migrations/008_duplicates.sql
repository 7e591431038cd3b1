-- Version 8: finding an earlier claim for the same product before a new one is queued: by
-- normalised serial number, or by order id (with the product name).
CREATE INDEX claims_by_serial ON claims (serial_number);
CREATE INDEX claims_by_order ON claims (order_id);
