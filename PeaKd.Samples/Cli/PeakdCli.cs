using System.CommandLine;
using PeaKd.Native;

namespace PeaKd.Samples.Cli;

/// <summary>The peakd command line: every command, and the main job when there are no arguments.</summary>
internal static class PeakdCli
{
    /// <summary>Opens stdin as bytes (predict reads texts from it, checking their encoding); tests set what it holds.</summary>
    public static Func<Stream> OpenStandardInput { get; set; } = Console.OpenStandardInput;

    public static int Run(string[] args)
    {
        if (MklFastPath.State == MklFastPathState.InvalidSetting)
        {
            Console.Error.WriteLine($"peakd: {MklFastPath.Reason} (on answers MKL's vendor check on AMD CPUs with AVX-512, off leaves it; docs/building.md, MKL's fast path on AMD CPUs).");
            return 1;
        }
        if (args.Length == 0)
        {
            return MainJob.Run();
        }
        var verbose = new Option<bool>("--verbose") { Description = "Show stack traces on errors.", Recursive = true };
        var root = new RootCommand("peakd: Pea-KD distillation of BERT models with TorchSharp. Run without arguments for the main job.")
        {
            verbose,
        };
        root.Subcommands.Add(StudentsCommand.Create());
        root.Subcommands.Add(ImportCommand.Create());
        root.Subcommands.Add(FinetuneCommand.Create());
        root.Subcommands.Add(DistillCommand.Create());
        root.Subcommands.Add(RecordCommand.Create());
        root.Subcommands.Add(EvaluateCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(VerifyCommand.Create());
        root.Subcommands.Add(PredictCommand.Create());
        root.Subcommands.Add(ReportCommand.Create());
        root.Subcommands.Add(InfoCommand.Create());
        root.Subcommands.Add(SweepCommand.Create());
        ParseResult parse = root.Parse(args);
        CommandRunner.Verbose = parse.GetValue(verbose);
        return parse.Invoke();
    }
}
