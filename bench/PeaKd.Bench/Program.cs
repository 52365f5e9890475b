return PeaKd.Bench.BenchCli.Run(args);
