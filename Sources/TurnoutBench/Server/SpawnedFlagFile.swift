import TurnoutConfigFile
import TurnoutFlags

/// The flags.yaml of a spawned server, edited by a ramp the way `turnout flags ramp` edits one:
/// only the `percentage` scalar changes (``PercentageEdit``), and the file is replaced atomically
/// (``AtomicFileWriter``), so the server's watcher sees the old file or the new one.
struct SpawnedFlagFile: Sendable {
    /// The file's path.
    var path: String

    /// An edit ready to write, and the snapshot the server will load from it, so the bench can
    /// tell which of its users move without asking the server.
    struct Edit: Sendable {
        var bytes: [UInt8]
        var snapshot: FlagSnapshot
    }

    /// Computes the edit that sets the native-transport percentage, without writing it.
    ///
    /// - Throws: ``BenchError/setup(_:)`` when the file cannot be read, edited or decoded.
    func edit(percentage: Int) throws(BenchError) -> Edit {
        guard case .contents(let bytes) = WatchedFileState.read(path: self.path) else {
            throw .setup("cannot read the spawned server's \(self.path)")
        }
        guard let value = Percentage(hundredths: percentage * 100) else { throw .setup("\(percentage) is not a percentage") }
        let snapshot: FlagSnapshot
        let edit: PercentageEdit
        do {
            edit = try PercentageEdit(setting: value, ofFlag: FlagFile.nativeTransport, in: bytes, file: self.path)
            snapshot = FlagSnapshot(file: try FlagFile.decode(edit.bytes, file: self.path), source: self.path)
        } catch {
            throw .setup("cannot set \(FlagFile.nativeTransport) to \(percentage) % in \(self.path): \(error)")
        }
        return Edit(bytes: edit.bytes, snapshot: snapshot)
    }

    /// Writes `edit` atomically.
    ///
    /// - Throws: ``BenchError/setup(_:)`` when the file cannot be written.
    func write(_ edit: Edit) throws(BenchError) {
        do {
            try AtomicFileWriter.write(edit.bytes, to: self.path)
        } catch {
            throw .setup("cannot write \(self.path): \(error)")
        }
    }

    /// The snapshot of the file as it is.
    func snapshot() throws(BenchError) -> FlagSnapshot {
        guard case .contents(let bytes) = WatchedFileState.read(path: self.path) else {
            throw .setup("cannot read the spawned server's \(self.path)")
        }
        do {
            return FlagSnapshot(file: try FlagFile.decode(bytes, file: self.path), source: self.path)
        } catch {
            throw .setup("the spawned server's \(self.path) is invalid: \(error)")
        }
    }
}
