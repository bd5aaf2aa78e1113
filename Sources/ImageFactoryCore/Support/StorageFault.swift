import Foundation
import GRDB

/// Recognizes a write that failed for lack of room: ENOSPC or EDQUOT from the log files, SQLITE_FULL from the
/// database. Those stop a build with a reason that names the filesystem, rather than a stack of errors.
public enum StorageFault {
    public static func isNoSpace(_ error: any Error) -> Bool {
        if let e = error as? LogStoreError {
            switch e {
            case .writeFailed(_, let code), .syncFailed(_, let code), .cannotOpen(_, let code): return code == ENOSPC || code == EDQUOT
            default: return false
            }
        }
        if let e = error as? DatabaseError { return e.resultCode == .SQLITE_FULL || e.extendedResultCode == .SQLITE_IOERR_WRITE }
        if let e = error as? CocoaError, let posix = e.underlying as? POSIXError { return posix.code == .ENOSPC || posix.code == .EDQUOT }
        if let e = error as? POSIXError { return e.code == .ENOSPC || e.code == .EDQUOT }
        return false
    }

    /// The runner's exit status when it stopped a build for lack of room (sysexits' EX_CANTCREAT).
    public static let runnerExitStatus: Int32 = 73
}
