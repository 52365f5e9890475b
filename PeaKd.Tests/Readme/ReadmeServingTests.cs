using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using PeaKd.Checkpoints;
using PeaKd.Export;
using PeaKd.Inference;
using PeaKd.Tests.Deployment;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Readme;

/// <summary>The documentation's serving programs run (docs/serving.md): the plain .NET one (ONNX Runtime and
/// Microsoft.ML.Tokenizers only) and the ML.NET one, on an ONNX export of a trained tiny student, give the student's own
/// answers.</summary>
[Collection(TrainingCollection.Name)]
public class ReadmeServingTests(OnnxServingTests.Trained trained) : IClassFixture<OnnxServingTests.Trained>
{
    /// <summary>The C# block after <paramref name="marker"/>, which exactly one file of the documentation has.</summary>
    private static string BlockAfter(string marker)
    {
        var found = Docs.Guides()
            .Select(file => (File: file, Block: new Regex(Regex.Escape(marker) + @"\n```csharp\n(?<code>.*?)```", RegexOptions.Singleline).Match(Docs.Read(file))))
            .Where(match => match.Block.Success)
            .ToList();
        Assert.True(found.Count == 1, $"{found.Count} files of the documentation have a C# block after '{marker}': {string.Join(", ", found.Select(f => f.File))}");
        return found[0].Block.Groups["code"].Value;
    }

    private static Assembly Build(string code, bool program)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("ReadmeServing" + Guid.NewGuid().ToString("N"),
            [CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(LanguageVersion.Latest)),
             CSharpSyntaxTree.ParseText("global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq;")],
            references, new CSharpCompilationOptions(program ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        return Assembly.Load(image.ToArray());
    }

    [Fact]
    public void The_plain_dotnet_program_gives_the_students_answer()
    {
        Assembly program = Build(BlockAfter("<!-- ReadmeServingTests runs the next code block on an ONNX export -->"), program: true);
        using TextClassifier student = TextClassifier.Load(trained.Folder.File("run"));
        foreach (string text in trained.Texts.Take(5))
        {
            var (exit, output, error) = ConsoleCapture.Run(() =>
            {
                object? result = program.EntryPoint!.Invoke(null, [new[] { trained.Folder.File("fp32"), text }]);
                return result is int code ? code : 0;
            });
            Assert.True(exit == 0, error);
            string[] answer = output.Trim().Split('\t');
            Prediction expected = student.Predict(text);
            Assert.Equal(expected.Label, answer[0]);
            Assert.Equal(expected.Probability, double.Parse(answer[1], System.Globalization.CultureInfo.InvariantCulture), 4);
        }
    }

    [Fact]
    public void The_MLNET_pipeline_gives_the_students_logits()
    {
        using TextClassifier student = TextClassifier.Load(trained.Folder.File("run"));
        var results = MlNetLogits("fp32");
        float[][] expected = student.Logits(results.Select(r => (r.Text, (string?)null)).ToArray());
        double worst = results.Zip(expected).Max(pair => pair.First.Logits.Zip(pair.Second, (a, b) => Math.Abs((double)a - b)).Max());
        Assert.True(worst < 1e-5, $"ML.NET's logits differ from the student's (TorchSharp) by {worst}");
    }

    [Fact]
    public void The_MLNET_pipeline_runs_the_int8_export()
    {
        // an int8 file holds ONNX Runtime's QAttention (com.microsoft): ML.NET runs it through ONNX Runtime too
        using TextClassifier student = TextClassifier.Load(trained.Folder.File("fp32"));
        var results = MlNetLogits("int8");
        double worst = LogitDistance.Relative(results.Select(r => r.Logits), student.Logits(results.Select(r => (r.Text, (string?)null)).ToArray()));
        Assert.True(worst < 0.1, $"ML.NET's int8 logits differ from the student's fp32 ones by {worst:P1} of the largest");
    }

    /// <summary>The documentation's ML.NET class, built for the tiny student's length, on the first texts of an export.</summary>
    private List<(string Text, float[] Logits)> MlNetLogits(string export)
    {
        string code = BlockAfter("so the ids are padded to the\ntrained length (96) and the padding masked:\n");
        Assembly library = Build(code.Replace("96", "16"), program: false); // the tiny student's length (24 positions)
        Type serving = library.GetType("MlNetServing")!, review = library.GetType("TokenizedReview")!;
        dynamic engine = serving.GetMethod("Engine")!.Invoke(null, [Path.Combine(trained.Folder.File(export), ModelExport.OnnxFileName)])!;
        var encoder = PeaKd.Data.Tokenization.BertTextEncoder.FromModelFolder(trained.Folder.File(export));
        var results = new List<(string, float[])>();
        foreach (string text in trained.Texts.Take(5))
        {
            (int[] ids, int[] types) = encoder.Encode(text, null, 16);
            dynamic input = Activator.CreateInstance(review)!;
            long[] padded = new long[16], mask = new long[16], segments = new long[16];
            for (int i = 0; i < ids.Length; i++)
            {
                (padded[i], mask[i], segments[i]) = (ids[i], 1, types[i]);
            }
            (input.InputIds, input.AttentionMask, input.TokenTypeIds) = (padded, mask, segments);
            float[] logits = engine.Predict(input).Logits;
            results.Add((text, logits));
        }
        return results;
    }
}
