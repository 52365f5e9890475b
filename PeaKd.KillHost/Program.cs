using PeaKd.IO;
using PeaKd;
using PeaKd.KillHost;
using PeaKd.Samples.Cli;

WriteInterceptor.Current = KillSwitch.FromEnvironment();
return PeakdCli.Run(args);
