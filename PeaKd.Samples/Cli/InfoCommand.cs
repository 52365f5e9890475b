using System.CommandLine;
using System.Diagnostics;
using PeaKd.Devices;
using PeaKd.Modeling;
using PeaKd.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace PeaKd.Samples.Cli;

/// <summary><c>peakd info</c>: proves the native backend loads, names the device, and runs a BERT forward pass.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var device = new Option<string>("--device")
        {
            Description = "auto (CUDA when available), cpu or cuda.",
            DefaultValueFactory = _ => "auto",
        };
        var config = new Option<string?>("--config") { Description = "A Hugging Face config.json; BERT-base when omitted." };
        var command = new Command("info", "Check the TorchSharp backend and time one BERT forward pass (batch 8 x 128 tokens).")
        {
            device,
            config,
        };
        command.SetAction(parse => CommandRunner.Run("info", new FlagNames([("DeviceChoice", "--device")]),
            () => Run(CommonOptions.ParseChoice<DeviceChoice>("--device", parse.GetValue(device)!), parse.GetValue(config))));
        return command;
    }

    private static void Run(DeviceChoice deviceChoice, string? configPath)
    {
        Device device = DeviceSelector.Resolve(deviceChoice);
        BertConfig config = configPath is null ? BertConfig.BertBase : BertConfig.Load(configPath);
        ParameterCount.CheckFitsInMemory(config, configPath ?? "BERT-base"); // before the banner or any tensor
        Console.WriteLine($"TorchSharp {typeof(torch).Assembly.GetName().Version}, device {device.type}, {get_num_threads()} threads");

        using var model = new BertClassifier(config);
        model.to(device).eval();
        long parameters = model.parameters().Sum(p => p.numel());
        Console.WriteLine($"BERT: {config.NumHiddenLayers} layers, hidden {config.HiddenSize}, {config.NumAttentionHeads} heads, {parameters:N0} parameters (with classifier)");

        using var noGrad = no_grad();
        using var ids = randint(config.VocabSize, [8, 128], dtype: ScalarType.Int64, device: device);
        using (model.forward(ids)) { } // warm-up
        var clock = Stopwatch.StartNew();
        using ClassifierOutput output = model.forward(ids);
        Console.WriteLine($"forward of batch 8 x 128: {clock.Elapsed.TotalMilliseconds:F0} ms, logits [{string.Join(", ", output.Logits.shape)}]");
        Console.WriteLine($"MKL fast path: {MklFastPath.State} ({MklFastPath.Reason}); MKL's code path {MklFastPath.MklCodePath?.ToString() ?? "unknown (no MKL in this libtorch)"}, 0 being its generic one; {MklFastPath.EnvironmentVariable}=off turns it off");
    }
}
