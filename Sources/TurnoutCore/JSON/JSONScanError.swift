/// Why a document could not be read as a JSON object.
enum JSONScanError: Error, Hashable {
    /// The text is not valid JSON; the reason is for logs.
    case invalid(String)
    /// The text is valid JSON but its top-level value is not an object.
    case notAnObject
}
