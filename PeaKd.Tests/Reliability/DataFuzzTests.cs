using PeaKd.Data;
using PeaKd.Data.Tasks;
using PeaKd.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PeaKd.Tests.Reliability;

/// <summary>Mutated GLUE and tsv files read or fail with a <see cref="DataFormatException"/> naming the file.</summary>
public class DataFuzzTests(ITestOutputHelper log)
{
    /// <summary>A few valid rows of each layout: header or not, single or pair, classes or scores.</summary>
    public static TheoryData<string, string, string> Layouts => new()
    {
        { "SST-2", "train", "sentence\tlabel\nit is great\t1\nnot good at all\t0\nfine , really\t1\n" },
        { "CoLA", "train", "gj04\t1\t\tThe sailors rode the breeze clear of the rocks.\ngj04\t0\t*\tThe more we study verbs, the crazier they get get.\n" },
        { "MRPC", "dev", "\uFEFFQuality\t#1 ID\t#2 ID\t#1 String\t#2 String\n1\t702876\t702977\tAmrozi accused his brother .\tReferring to him as only \" the witness \" .\n0\t2108705\t2108831\tYucaipa owned Dominick 's .\tYucaipa bought Dominick 's in 1995 .\n" },
        { "STS-B", "train", "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n0\tmain-captions\tMSRvid\t2012test\t0001\tnone\tnone\tA plane is taking off.\tAn air plane is taking off.\t5.000\n1\tmain-captions\tMSRvid\t2012test\t0004\tnone\tnone\tA man is playing a flute.\tA man is playing a bamboo flute.\t3.800\n" },
        { "tsv", "dev", "text\tlabel\ntok10 tok20\tgreat\ntok30 tok31\tother\n" },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Mutated_task_files_read_or_fail_naming_the_file(string task, string split, string content)
    {
        TaskDefinition definition = TaskRegistry.Resolve(task);
        string fileName = definition.SplitFiles[split];
        byte[] original = System.Text.Encoding.UTF8.GetBytes(content);
        var (parsed, rejected) = Fuzz.Check(Fuzz.Mutants(original, hotBytes: 64), 300, fileName,
            path => TaskReader.Read(definition, Path.GetDirectoryName(path)!, split, split == "train" ? null : ["great", "other"]),
            [typeof(DataFormatException)]);
        log.WriteLine($"{task} {fileName}: {parsed} mutants read, {rejected} rejected");
    }
}
