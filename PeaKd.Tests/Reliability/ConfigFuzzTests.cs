using PeaKd.Modeling;
using PeaKd.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PeaKd.Tests.Reliability;

/// <summary>Mutated config.json files load or fail with an <see cref="InvalidConfigException"/> naming the file.</summary>
public class ConfigFuzzTests(ITestOutputHelper log)
{
    [Fact]
    public void Mutated_config_json_loads_or_fails_naming_the_file()
    {
        string original = File.ReadAllText(TestFiles.Fixture("tiny-bert", "config.json"));
        var inputs = CsCheck.Gen.OneOf(Fuzz.Mutants(System.Text.Encoding.UTF8.GetBytes(original), hotBytes: 600), Fuzz.JsonMutants(original));
        var (parsed, rejected) = Fuzz.Check(inputs, 800, "config.json", path => BertConfig.Load(path), [typeof(InvalidConfigException)]);
        log.WriteLine($"config.json: {parsed} mutants loaded, {rejected} rejected");
    }

    [Theory]
    [InlineData("{\"vocab_size\": 50, \"hidden_size\": 32, \"hidden_size\": 64, \"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"intermediate_size\": 48}", "hidden_size")]
    [InlineData("{\"vocab_size\": 50, \"hidden_size\": 32, \"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"intermediate_size\": 48, \"id2label\": {\"0\": \"a\", \"0\": \"b\"}}", "0")]
    public void Duplicate_keys_are_an_error_naming_the_key(string json, string key)
    {
        using var folder = TestFiles.TempFolder();
        File.WriteAllText(folder.File("config.json"), json);
        var error = Assert.Throws<InvalidConfigException>(() => BertConfig.Load(folder.File("config.json")));
        Assert.Contains(folder.File("config.json"), error.Message);
        Assert.Contains($"'{key}'", error.Message);
    }
}
