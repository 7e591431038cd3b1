-- Version 9: proof of purchase. Why a claim was queued without a receipt or invoice: the
-- clerk's reason, or 'imported' for claims the back office imported. NULL when it has one
-- (or was queued before the rule).
ALTER TABLE claims ADD COLUMN no_proof_reason TEXT;
