-- Version 7: devices may belong to a fleet (a retailer's counters). A customer who comes
-- back to another counter of the same fleet with the receipt is found there: a device may
-- look up the status of its fleet's claims by id, case reference or claim number
-- (`GET /v1/lookup/{key}`), never their contents. NULL: a fleet of its own.
ALTER TABLE devices ADD COLUMN fleet TEXT;
