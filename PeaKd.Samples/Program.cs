using System.CommandLine;
using PeaKd.Samples.Cli;

var root = new RootCommand("peakd: Pea-KD distillation of BERT models with TorchSharp.");
root.Subcommands.Add(InfoCommand.Create());
root.Subcommands.Add(StudentsCommand.Create());
root.Subcommands.Add(ImportCommand.Create());
return root.Parse(args).Invoke();
