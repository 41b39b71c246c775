extension Decision {
    /// The decision as one JSON object, keys in this order:
    /// `userId`, `flag`, `endpoint`, `stack`, `rule`, `bucket`, `percentage`.
    ///
    /// It is one line of `turnout flags explain --json` and the body of `/admin/route`. The
    /// percentage is written from its exact hundredths (`12.34`, never `12.339999`); a missing
    /// user or bucket is `null`.
    public func jsonObject(userId: String?) -> String {
        var json = "{\"userId\":"
        if let userId {
            Self.appendQuoted(userId, to: &json)
        } else {
            json += "null"
        }
        json += ",\"flag\":"
        Self.appendQuoted(flag, to: &json)
        json += ",\"endpoint\":\"\(endpoint.rawValue)\",\"stack\":\"\(stack.rawValue)\",\"rule\":\"\(rule.rawValue)\",\"bucket\":"
        json += bucket.map(String.init) ?? "null"
        json += ",\"percentage\":\(percentage)}"
        return json
    }

    /// Appends `text` as a JSON string literal (RFC 8259 escaping).
    private static func appendQuoted(_ text: String, to json: inout String) {
        json += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": json += "\\\""
            case "\\": json += "\\\\"
            case "\n": json += "\\n"
            case "\r": json += "\\r"
            case "\t": json += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                json += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: json.unicodeScalars.append(scalar)
            }
        }
        json += "\""
    }
}
