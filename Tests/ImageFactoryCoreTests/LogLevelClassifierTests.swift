import Foundation
import Testing
@testable import ImageFactoryCore

@Suite struct LogLevelClassifierTests {
    /// Runs text through the same splitter, sanitizer and classifier as ingestion.
    private func classified(_ text: String, stream: LogStream = .stdout) -> [(line: String, level: LogLevel)] {
        classified(Array(text.utf8), stream: stream)
    }

    private func classified(_ bytes: [UInt8], stream: LogStream = .stdout) -> [(line: String, level: LogLevel)] {
        var splitter = LogLineSplitter()
        var classifier = LogLevelClassifier()
        var scratch = LogSanitizer.Scratch()
        var result: [(String, LogLevel)] = []
        let collect = { (raw: UnsafeRawBufferPointer) in
            LogSanitizer.sanitize(raw, scratch: &scratch) { plain, _ in
                result.append((String(decoding: plain, as: UTF8.self), classifier.classify(plain, stream: stream)))
            }
        }
        bytes.withUnsafeBytes { splitter.feed($0, collect) }
        splitter.finish(collect)
        return result
    }

    private func sample(_ name: String) throws -> [(line: String, level: LogLevel)] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/samples/\(name)")
        return classified(Array(try Data(contentsOf: url)), stream: .stderr)
    }

    /// Asserts each line's level; `expected` pairs a line with its level, in order.
    private func expectLevels(_ text: String, _ expected: [LogLevel], sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let got = classified(text)
        #expect(got.count == expected.count, sourceLocation: sourceLocation)
        for (k, item) in got.enumerated() where k < expected.count && item.level != expected[k] {
            Issue.record("line \(k) \"\(item.line)\": \(item.level.name), expected \(expected[k].name)", sourceLocation: sourceLocation)
        }
    }

    // MARK: - Recorded samples

    @Test(arguments: ["podman-runc.log", "podman-deb.log", "buildah-vfs.log", "docker-bk-plain.log", "docker-legacy.log",
                      "nix-internal-json.log", "packer-hcl-machine-readable.log", "packer-null-machine-readable.log",
                      "packer-null-human.log"])
    func successfulSampleBuildsHaveNoErrorOrWarningLines(name: String) throws {
        let lines = try sample(name)
        #expect(!lines.isEmpty)
        for item in lines where item.level != .info {
            Issue.record("\(name): \"\(item.line)\" classified \(item.level.name)")
        }
    }

    @Test func podmanUnconsumedBuildArgWarningIsAWarning() throws {
        let lines = try sample("podman-multi.log")
        let warnings = lines.filter { $0.level == .warn }.map(\.line)
        #expect(warnings == Array(repeating: "[Warning] one or more build args were not consumed: [TARGETOS TARGETPLATFORM]", count: 2))
        #expect(lines.filter { $0.line.contains("STEP") }.allSatisfy { $0.level == .info })
        #expect(!lines.contains { $0.level == .error })
    }

    @Test func podmanDebProgressRewritesKeepTheFinalState() throws {
        let lines = try sample("podman-deb.log")
        #expect(lines.contains { $0.line == "(Reading database ... 6096 files and directories currently installed.)" })
        #expect(!lines.contains { $0.line.contains("\r") })
    }

    @Test func packerHumanColourIsStrippedBeforeClassifying() throws {
        let lines = try sample("packer-null-human.log")
        #expect(lines.first?.line == "null: output will be in this color.")
    }

    // MARK: - Build tools

    @Test func buildKitFailureAndItsErrorExcerptAreErrors() {
        expectLevels("""
            #6 [3/4] RUN false
            #6 sha256:9be6672b8103bb57630d753371b7ee81762dfc4a3213deb759d5d0911e7cd22f
            #6 0.215 + false
            #6 ERROR: executor failed running [/bin/sh -c false]: exit code: 1
            ------
             > [3/4] RUN false:
            #6 0.215 + false
            ------
            executor failed running [/bin/sh -c false]: exit code: 1
            #7 [4/4] RUN echo done
            """, [.info, .info, .info, .error, .error, .error, .error, .error, .error, .info])
        expectLevels("""
            #12 ERROR: process "/bin/sh -c make" did not complete successfully: exit code: 2
            ------
             > [build 2/2] RUN make:
            0.412 make: *** No targets specified and no makefile found.  Stop.
            ------
            Dockerfile:3
            --------------------
               2 |     COPY . /src
               3 | >>> RUN make
            --------------------
            ERROR: failed to solve: process "/bin/sh -c make" did not complete successfully: exit code: 2
            #13 [4/5] COPY . /app
            """, [.error, .error, .error, .error, .error, .error, .error, .error, .error, .error, .error, .info])
    }

    @Test func dockerLegacyAndPodmanFailuresAreErrors() {
        expectLevels("""
            Step 3/7 : RUN false
             ---> Running in 29153a033253
            The command '/bin/sh -c false' returned a non-zero code: 1
            STEP 3/7: RUN false
            Error: error building at STEP "RUN false": error while running runtime: exit status 1
            error building at STEP "RUN false": exit status 1
            WARN[0000] "/" is not a shared mount, this could cause issues
            ERRO[0000] error waiting for container: context canceled
            time="2024-05-01T10:00:00Z" level=warning msg="The input device is not a TTY"
            time="2024-05-01T10:00:00Z" level=error msg="failed to pull image"
            time="2024-05-01T10:00:00Z" level=info msg="error handling: none needed"
            """, [.info, .info, .error, .info, .error, .error, .warn, .error, .warn, .error, .info])
    }

    @Test func nixErrorsAndWarningsInBothFormats() {
        expectLevels("""
            error: builder for '/nix/store/vy0p7i0yf2x20plmk6ml4agq6xrjh0rx-x3.drv' failed with exit code 1
            warning: unknown setting 'foo'
            building '/nix/store/vy0p7i0yf2x20plmk6ml4agq6xrjh0rx-x3.drv'...
            @nix {"action":"msg","level":0,"msg":"error: builder for '/nix/store/x.drv' failed with exit code 1"}
            @nix {"action":"msg","level":1,"msg":"warning: Git tree '/src' is dirty"}
            @nix {"action":"start","id":79388175499264,"level":0,"text":"","type":102}
            @nix {"action":"msg","level":3,"msg":"these 2 derivations will be built:"}
            """, [.error, .warn, .info, .error, .warn, .info, .info])
    }

    @Test func packerErrorsInHumanAndMachineReadableOutput() {
        expectLevels("""
            ==> null: Running local shell script: /var/tmp/packer-shell3515682847
            ==> null: Provisioning step had errors: Running the cleanup provisioner, if present...
            Build 'null' errored after 1 second 10 milliseconds: Script exited with non-zero exit status: 1
            ==> Some builds didn't complete successfully and had errors:
            --> null: Script exited with non-zero exit status: 1
            1795694229,,ui,error,Build 'null' errored after 1 second 10 milliseconds
            1795694229,,ui,say,==> null: Running local shell script: /var/tmp/packer-shell2964928360
            1795694229,null,error-count,1
            1795694229,,ui,message,    null: all good
            """, [.info, .error, .error, .error, .error, .error, .info, .info, .info])
    }

    @Test func compilerDiagnosticsFromGccClangSwiftcAndRustc() {
        expectLevels("""
            gcc -O2 -Wall -Werror -c error_log.c -o error_log.o
            src/main.c: In function 'main':
            src/main.c:5:9: warning: unused variable 'x' [-Wunused-variable]
            src/main.c:7:5: error: 'y' undeclared (first use in this function)
            cc1: all warnings being treated as errors
            main.c:3:10: fatal error: 'missing.h' file not found
            1 warning and 1 error generated.
            2 warnings generated.
            /src/Sources/App/main.swift:3:5: error: cannot find 'foo' in scope
            /src/Sources/App/main.swift:1:9: warning: initialization of variable 'x' was never used
            [3/5] Compiling App main.swift
            error[E0308]: mismatched types
             --> src/main.rs:2:18
            warning: unused variable: `x`
            error: could not compile `demo` (bin "demo") due to 1 previous error
               Compiling demo v0.1.0 (/src)
            thread 'main' panicked at src/main.rs:2:5:
            """, [.info, .info, .warn, .error, .error, .error, .error, .warn, .error, .warn, .info, .error, .info, .warn,
                  .error, .info, .error])
    }

    @Test func goCmakeAndOtherToolsWithoutTheUsualWords() {
        expectLevels("""
            # example.com/app
            ./main.go:5:2: undefined: foo
            internal/x/y.go:12:9: cannot use s (variable of type string) as int value
            go: downloading golang.org/x/sys v0.15.0
            CMake Error at CMakeLists.txt:5 (find_package):
            CMake Warning at CMakeLists.txt:9 (message):
            fatal: [localhost]: FAILED! => {"changed": false}
            [WARNING]: No inventory was parsed
            BUILD FAILED in 3s
            src/x.ts(3,5): error TS2304: Cannot find name 'foo'.
            """, [.info, .error, .error, .info, .error, .warn, .error, .warn, .error, .error])
    }

    @Test func aptDpkgAndNpmMessages() {
        expectLevels("""
            Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]
            Err:1 http://deb.debian.org/debian bookworm InRelease
            E: Unable to locate package nosuchpkg
            W: Some index files failed to download. They have been ignored, or old ones used instead.
            Setting up liberror-perl (0.17029-2) ...
            dpkg: error processing package foo (--configure):
            Errors were encountered while processing:
            E: Sub-process /usr/bin/dpkg returned an error code (1)
            npm WARN deprecated request@2.88.2: request has been deprecated
            npm warn deprecated inflight@1.0.6: This module is not supported
            npm ERR! code E404
            npm error code ELIFECYCLE
            added 120 packages, and audited 121 packages in 3s
            found 0 vulnerabilities
            DEPRECATION: Legacy build backend is deprecated
            """, [.info, .error, .error, .warn, .info, .error, .error, .error, .warn, .warn, .error, .error, .info, .info, .warn])
    }

    @Test func pythonTracebackIsAnErrorOnEveryLine() {
        expectLevels("""
            Collecting requests
            Traceback (most recent call last):
              File "/app/setup.py", line 3, in <module>
                import foo
            ModuleNotFoundError: No module named 'foo'
            Successfully installed requests-2.31.0
            WARNING:root:disk almost full
            ERROR:root:boom
            """, [.info, .error, .error, .error, .error, .info, .warn, .error])
    }

    @Test func goPanicIsAnErrorOnEveryLine() {
        expectLevels("""
            panic: runtime error: index out of range [5] with length 3

            goroutine 1 [running]:
            main.main()
            \t/src/main.go:8 +0x1d
            exit status 2
            ok  \texample.com/x\t0.002s
            """, [.error, .info, .error, .error, .error, .error, .info])
    }

    @Test func javaStackTraceIsAnErrorOnEveryLine() {
        expectLevels("""
            Exception in thread "main" java.lang.IllegalStateException: boom
            \tat com.example.Main.run(Main.java:12)
            \tat com.example.Main.main(Main.java:5)
            Caused by: java.io.IOException: disk full
            \t... 2 more
            BUILD SUCCESSFUL in 3s
            """, [.error, .error, .error, .error, .error, .info])
    }

    @Test func makeShellAndTestRunnerFailures() {
        expectLevels("""
            make[1]: Entering directory '/src'
            make: *** [Makefile:4: main.o] Error 1
            make[1]: *** No rule to make target 'install'.  Stop.
            /bin/sh: 1: foo: not found
            bash: line 1: nosuchcmd: command not found
            cp: cannot stat 'x': No such file or directory
            checking for foo... not found
            Segmentation fault (core dumped)
            --- FAIL: TestParse (0.00s)
            FAIL\texample.com/x\t0.003s
            FAILED tests/test_x.py::test_y - AssertionError
            ==== 1 failed, 2 passed in 0.10s ====
            ==== 3 passed in 0.10s ====
            """, [.info, .error, .error, .error, .error, .error, .info, .error, .error, .error, .error, .error, .info])
    }

    @Test func structuredLevelsInLogfmtAndJSON() {
        expectLevels("""
            {"level":"error","msg":"boom"}
            {"severity":"WARNING","message":"slow"}
            {"level":"info","msg":"no error here: fine"}
            {"level":50,"time":1700000000,"msg":"pino error"}
            {"level":30,"msg":"pino info"}
            ts=2024-05-01T10:00:00Z lvl=warn msg="retrying"
            ts=2024-05-01T10:00:00Z level=debug msg="error: ignored in debug"
            [ERROR] Failed to execute goal
            [WARN] Using platform encoding
            2024-05-01 10:00:00 WARNING something
            """, [.error, .warn, .info, .error, .info, .warn, .info, .error, .warn, .warn])
    }

    @Test func zeroCountsFlagsAndFileNamesAreNotErrors() {
        expectLevels("""
            Compiled with 0 errors
            Compiling error_log.c
            cc -Wall -Werror -Wno-deprecated-declarations -c foo.c
            Errors: 0
            warning(s): none
            0 warnings, 0 errors
            Build finished with no errors
            writing to stderr
            Downloading https://example.com/errors/list.json
            checking for strerror_r... yes
            ok: [localhost] => changed=1 failed=0
            Tests: 12 passed, 0 failed
            -- Performing Test HAVE_ERROR_H - Success
            error-reporting module enabled
            Reading error handlers
            npm notice New minor version of npm available
            """, Array(repeating: .info, count: 16))
    }

    @Test func stderrAloneIsNotAnError() {
        #expect(classified("Cloning into 'repo'...\nReceiving objects: 100% (10/10), done.", stream: .stderr).allSatisfy { $0.level == .info })
    }

    @Test func levelNamesRoundTrip() {
        for level in LogLevel.allCases { #expect(LogLevel(name: level.name) == level) }
        #expect(LogLevel(name: "WARNING") == .warn)
        #expect(LogLevel(name: "fatal") == nil)
        #expect(LogLevel.info < LogLevel.warn && LogLevel.warn < LogLevel.error)
    }

    @Test func simdKeywordPrefilterAgreesWithThePortableScan() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("errarnfaifatpangorcebecaxcefouuchump***n-zgmevelsevlvlcriERRWARNFAIL xyz:-*".utf8)
        for _ in 0..<5000 {
            let length = Int.random(in: 0..<90, using: &generator)
            let line = (0..<length).map { _ in
                Int.random(in: 0..<4, using: &generator) == 0 ? UInt8.random(in: 0...255, using: &generator)
                    : alphabet.randomElement(using: &generator)!
            }
            line.withUnsafeBufferPointer { p in
                #expect(LogLevelClassifier.keywordTriggers(p) == LogLevelClassifier.keywordTriggers(p, portable: true))
            }
        }
    }
}
