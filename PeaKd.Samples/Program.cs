using PeaKd.Samples.Cli;

return PeakdCli.Run(args);
