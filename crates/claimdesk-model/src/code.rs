//! The one error-code vocabulary. Every error the app, the command line or the claims service
//! produces carries one of these codes; the UI looks its message up in `ui/i18n/*.json` by
//! `error.<code>` and never matches on message text. A test fails when a code has no
//! catalogue entry.

crate::vocabulary! {
    /// A stable, machine-readable error code.
    pub enum ErrorCode ("error code") {
        // A claim's fields (validation).
        /// Several fields need attention; see `errors`.
        Validation = "validation",
        /// A required field is empty.
        Required = "required",
        /// A field is longer than allowed.
        TooLong = "too_long",
        /// A one-line field holds control characters or line breaks.
        LineControl = "line.control",
        /// Not a purchase channel the form offers.
        ChannelUnknown = "channel.unknown",
        /// Not an Amazon site the form offers.
        MarketplaceUnknown = "marketplace.unknown",
        /// Not an email address.
        EmailInvalid = "email.invalid",
        /// Not an Amazon order number.
        OrderIdAmazonFormat = "order_id.amazon_format",
        /// Not a serial number.
        SerialNumberInvalid = "serial_number.invalid",
        /// Not a date.
        PurchaseDateInvalid = "purchase_date.invalid",
        /// A date in the future.
        PurchaseDateFuture = "purchase_date.future",
        /// A date too long ago.
        PurchaseDateTooOld = "purchase_date.too_old",
        /// Not a country the form offers.
        CountryUnknown = "country.unknown",
        /// Not a region of the chosen country.
        RegionUnknown = "region.unknown",
        /// Not a postcode of the chosen country.
        PostalCodeFormat = "postal_code.format",
        /// Not a phone number.
        PhoneInvalid = "phone.invalid",

        // Claims as a whole.
        /// No claim has this id.
        ClaimNotFound = "claim.not_found",
        /// The claim has left the clerk's hands.
        ClaimNotEditable = "claim.not_editable",
        /// An earlier claim has the same serial number.
        ClaimDuplicateSerial = "claim.duplicate_serial",
        /// An earlier claim has the same order and product.
        ClaimDuplicateOrder = "claim.duplicate_order",
        /// An export file could not be written.
        ExportFailed = "export.failed",
        /// The service already had the claim the clerk wanted to withdraw.
        ClaimAlreadySent = "claim.already_sent",
        /// A claim taken back from the queue cannot be reset away.
        ClaimWasQueued = "claim.was_queued",
        /// The claim is being uploaded right now.
        ClaimUploading = "claim.uploading",
        /// The service could not be asked whether an earlier upload of the claim arrived.
        ClaimEditUnchecked = "claim.edit_unchecked",
        /// The claim cannot be withdrawn now (being sent, sent, or withdrawn already).
        ClaimNotWithdrawable = "claim.not_withdrawable",
        /// Only a sent claim, or one the service refused, can be replaced by a new claim.
        ClaimNotReplaceable = "claim.not_replaceable",
        /// The claim was already replaced by a claim that is queued or sent.
        ClaimAlreadyReplaced = "claim.already_replaced",
        /// A draft has no receipt yet: it must be queued first.
        ReceiptDraft = "receipt.draft",
        /// The receipt could not be made or written.
        ReceiptFailed = "receipt.failed",
        /// A device sent more requests than its share; it should wait `Retry-After`.
        RateLimited = "rate_limited",
        /// The service holds a different claim under this id.
        ClaimConflict = "claim.conflict",
        /// The office did not (or no longer) ask for more information on this claim.
        AdditionNotRequested = "addition.not_requested",
        /// A different addition was already received under this addition's id.
        AdditionConflict = "addition.conflict",
        /// An addition with neither a note nor an attachment.
        AdditionEmpty = "addition.empty",
        /// The claim part is not a claim.
        ClaimJson = "claim.json",
        /// The upload is larger than the service accepts.
        ClaimTooLarge = "claim.too_large",
        /// Something between the device and the service (a reverse proxy) refused the upload
        /// as too large.
        ClaimTooLargeOnTheWay = "claim.too_large_on_the_way",
        /// Not a claim id.
        IdInvalid = "id.invalid",
        /// An imported row has a status that cannot be imported.
        StatusNotImportable = "status.not_importable",

        // Attachments on a claim.
        /// More attachments than a claim may have.
        AttachmentsTooMany = "attachments.too_many",
        /// More attachment bytes than a claim may carry.
        AttachmentsTooLarge = "attachments.too_large",
        /// No receipt or invoice, and no reason why.
        AttachmentsProofMissing = "attachments.proof_missing",
        /// An attachment's hash is not a SHA-256.
        AttachmentsHash = "attachments.hash",
        /// An attachment's media type is not one the service takes.
        AttachmentsMediaType = "attachments.media_type",
        /// A part does not match its size or hash.
        AttachmentsMismatch = "attachments.mismatch",
        /// A listed attachment was not sent.
        AttachmentsMissing = "attachments.missing",
        /// A part was sent that the claim does not list.
        AttachmentsUnlisted = "attachments.unlisted",

        // Files handed to the photo pipeline.
        /// A 0-byte file.
        PhotoEmpty = "photo.empty",
        /// A file over the size limit.
        PhotoTooBig = "photo.too_big",
        /// A picture with too many pixels.
        PhotoTooManyPixels = "photo.too_many_pixels",
        /// A picture cut off before its end.
        PhotoTruncated = "photo.truncated",
        /// A damaged picture.
        PhotoCorrupt = "photo.corrupt",
        /// A HEIC photo that cannot be decoded.
        PhotoHeic = "photo.heic",
        /// A damaged or incomplete PDF.
        PhotoBadPdf = "photo.bad_pdf",
        /// A file that could not be read.
        PhotoUnreadable = "photo.unreadable",
        /// Not a format ClaimDesk takes.
        PhotoUnsupported = "photo.unsupported",
        /// A pasted picture that did not arrive as bytes.
        PasteInvalid = "paste.invalid",

        // The local store.
        /// The data folder cannot be used.
        StoreIo = "store.io",
        /// The disk is full.
        StoreDiskFull = "store.disk_full",
        /// SQLite failed.
        StoreDatabase = "store.database",
        /// The schema could not be updated.
        StoreMigration = "store.migration",
        /// The file was written by a newer ClaimDesk.
        StoreSchemaTooNew = "store.schema_too_new",
        /// A stored row cannot be read back.
        StoreCorrupt = "store.corrupt",
        /// The credential store holding the database key failed.
        StoreVault = "store.vault",
        /// The database is encrypted and its key is missing.
        StoreKeyMissing = "store.key_missing",
        /// The key does not open the database.
        StoreKeyWrong = "store.key_wrong",

        // Sending settings.
        /// No server address.
        SettingsUrlMissing = "settings.url_missing",
        /// Not a web address.
        SettingsUrlFormat = "settings.url_format",
        /// Plain http to another computer.
        SettingsUrlInsecure = "settings.url_insecure",
        /// A server but no device token.
        SettingsTokenMissing = "settings.token_missing",
        /// A token with spaces.
        SettingsTokenFormat = "settings.token_format",
        /// A retention period out of range.
        SettingsRetentionRange = "settings.retention_range",

        // Sending.
        /// Sending is not set up.
        SyncNotConfigured = "sync.not_configured",
        /// The service cannot be reached.
        SyncOffline = "sync.offline",
        /// The service did not answer in time.
        SyncTimeout = "sync.timeout",
        /// A captive portal answered instead of the service.
        SyncLoginRequired = "sync.login_required",
        /// The service refused this device's token.
        SyncUnauthorized = "sync.unauthorized",
        /// The service asked to come back later.
        SyncBusy = "sync.busy",
        /// The service failed.
        SyncServerError = "sync.server_error",
        /// The service refused the claim without saying why in its own words.
        SyncRejected = "sync.rejected",
        /// The local store failed during a pass.
        SyncLocalStore = "sync.local_store",
        /// The sync engine is not running (the store could not be opened).
        SyncNotRunning = "sync.not_running",
        /// Another process (the app, or `claimdesk-cli sync`) is sending from this data folder.
        SyncAlreadyRunning = "sync.already_running",

        // Answers of the claims service.
        /// The device's token is missing, wrong or revoked.
        AuthInvalidToken = "auth.invalid_token",
        /// The request could not be read.
        RequestMalformed = "request.malformed",
        /// No such claim or address.
        NotFound = "not_found",
        /// The service's store failed.
        ServerStore = "server.store",
        /// The service failed unexpectedly.
        ServerPanic = "server.panic",

        // Anywhere.
        /// Something failed that the clerk cannot fix; trying again may help.
        Internal = "internal",
    }
}
