import Foundation

/// `make soak`: the fault soak. 100,000 records through a pty and a TCP connection into the agent
/// binary, with, in one run, 50 hang-ups and 50 SIGKILLs at random points, a full disk for 30 s
/// (a tmpfs the soak mounts when run as root), a process reading the store the whole time, 20 lines
/// of noise before the first record of the TCP source and 500 slow API clients; then every record is
/// looked up in the store by its raw text. Lost and duplicated must both be 0. Not part of
/// `make test` (it takes a few minutes); run it before resolving an issue that touches capture.
exit(FaultSoak(options: SoakOptions.parse(CommandLine.arguments)).run())
