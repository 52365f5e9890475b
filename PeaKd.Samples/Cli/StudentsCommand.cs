using System.CommandLine;
using PeaKd.Modeling;
using PeaKd.Samples.Students;
using PeaKd.Students;

namespace PeaKd.Samples.Cli;

/// <summary><c>peakd students</c>: every student in the generated catalog, with its shape and size.</summary>
internal static class StudentsCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "A Hugging Face config.json for the sizes; BERT-base when omitted." };
        var command = new Command("students", "List the students declared with [Student]: layers, sharing and parameter count.") { config };
        command.SetAction(parse => CommandRunner.Run("students", FlagNames.None, () =>
        {
            string? path = parse.GetValue(config);
            Print(path is null ? BertConfig.BertBase : BertConfig.Load(path), path ?? "BERT-base");
        }));
        return command;
    }

    private static void Print(BertConfig config, string sizes)
    {
        Console.WriteLine($"Students at {sizes} sizes (hidden {config.HiddenSize}, FFN {config.IntermediateSize}); parameters exclude the classifier.");
        Console.WriteLine($"{"name",-14} {"owned",5} {"depth",5} {"parameters",12}  layers (' = Query and Key exchanged)");
        foreach (StudentDescriptor student in StudentCatalog.All)
        {
            StudentPlan plan = student.Plan;
            long parameters = ParameterCount.Backbone(config, plan.OwnedLayers);
            Console.WriteLine($"{student.Name,-14} {plan.OwnedLayers,5} {plan.EffectiveDepth,5} {parameters,12:N0}  {plan}");
        }
    }
}
