// PeaKd's runtime first, so that its module initializer answers MKL's vendor check before libtorch loads
// (PeaKd.Native.MklFastPath; PEAKD_MKL_FAST_PATH=off measures without it).
_ = PeaKd.Native.MklFastPath.State;
return PeaKd.Bench.BenchCli.Run(args);
