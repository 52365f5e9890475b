using System.CommandLine;
using PeaKd.Bench.Cases;
using static TorchSharp.torch;

namespace PeaKd.Bench;

/// <summary>PeaKd.Bench's commands: each runs one measurement and prints it as one JSON line (bench/run.sh collects them).</summary>
internal static class BenchCli
{
    public static int Run(string[] args)
    {
        var threads = new Option<int>("--threads") { Description = "libtorch threads (the PyTorch peer uses the same).", DefaultValueFactory = _ => Environment.ProcessorCount, Recursive = true };
        var casesFile = new Option<string>("--cases") { Description = "The cases file.", DefaultValueFactory = _ => Path.Combine("bench", "cases.json") };

        var caseName = new Argument<string>("name") { Description = "A case of cases.json." };
        var caseCommand = new Command("case", "Time one case of cases.json (train-step, inference, kd-epoch or memory).") { caseName, casesFile };
        caseCommand.SetAction(parse => Guarded(parse.GetValue(threads), measurementName: parse.GetValue(caseName)!, measurement =>
        {
            BenchFile file = BenchFile.Load(parse.GetValue(casesFile)!);
            CaseSpec spec = file.Case(parse.GetValue(caseName)!);
            manual_seed(1);
            Action<BenchFile, CaseSpec, Measurement> run = spec.Kind switch
            {
                "train-step" => TrainStepBench.Run,
                "inference" => InferenceBench.Run,
                "kd-epoch" => KdEpochBench.Run,
                "memory" => MemoryBench.Run,
                _ => throw new InvalidDataException($"cases.json: case kind '{spec.Kind}' is not known; use train-step, inference, kd-epoch or memory."),
            };
            run(file, spec, measurement);
        }));

        var phaseCase = new Argument<string>("name") { Description = "A train-step case of cases.json." };
        var phasesCommand = new Command("phases", "Where a train-step case's time goes: forward, backward, clipping, AdamW, zeroing, timed apart.") { phaseCase, casesFile };
        phasesCommand.SetAction(parse => Guarded(parse.GetValue(threads), measurementName: parse.GetValue(phaseCase)! + ":phases", measurement =>
        {
            BenchFile file = BenchFile.Load(parse.GetValue(casesFile)!);
            manual_seed(1);
            TrainStepPhases.Run(file, file.Case(parse.GetValue(phaseCase)!), measurement);
        }));

        var size = new Option<int>("--size") { Description = "Matrix size n of the n x n x n product.", DefaultValueFactory = _ => 2048 };
        var repetitions = new Option<int>("--repetitions") { Description = "Timed products (two more warm up).", DefaultValueFactory = _ => 10 };
        var dtype = new Option<string>("--dtype") { Description = "fp32 or bf16.", DefaultValueFactory = _ => "fp32" };
        var peakCommand = new Command("peak", "The matrix-multiply rate libtorch reaches on this machine.") { size, repetitions, dtype };
        peakCommand.SetAction(parse => Guarded(parse.GetValue(threads), parse.GetValue(dtype) == "bf16" ? "matmul-peak-bf16" : "matmul-peak",
            measurement => MatmulPeak.Run(parse.GetValue(size), parse.GetValue(repetitions), parse.GetValue(dtype) switch
            {
                "fp32" => ScalarType.Float32,
                "bf16" => ScalarType.BFloat16,
                var other => throw new ArgumentException($"--dtype '{other}' is not known; use fp32 or bf16."),
            }, measurement)));

        var students = new Option<int>("--students") { Description = "Student declarations to generate.", DefaultValueFactory = _ => 100 };
        var generatorCommand = new Command("generator", "Time the student generator; check an unrelated edit leaves its outputs cached.") { students, repetitions };
        generatorCommand.SetAction(parse => Guarded(parse.GetValue(threads), "generator",
            measurement => GeneratorCost.Run(parse.GetValue(students), parse.GetValue(repetitions), measurement)));

        var verifyCommand = new Command("verify", "Time the sealed-folder check on the main job's teacher (MiniLM, 90 MB) and its ONNX exports.") { repetitions };
        verifyCommand.SetAction(parse => Guarded(parse.GetValue(threads), "verify", measurement => VerifyBench.Run(parse.GetValue(repetitions), measurement)));

        var model = new Option<string>("--model") { Description = "A run, student or export folder.", Required = true };
        var engine = new Option<string>("--engine") { Description = "torch-fp32, torch-bf16 or onnx (an export folder).", Required = true };
        var batch = new Option<int>("--batch") { Description = "Texts per call.", DefaultValueFactory = _ => 1 };
        var length = new Option<int>("--length") { Description = "Tokens per text.", DefaultValueFactory = _ => 128 };
        var steps = new Option<int>("--steps") { Description = "Timed calls (three more warm up).", DefaultValueFactory = _ => 20 };
        var logitsFile = new Option<string?>("--write-logits") { Description = "A JSON file for the batch's token ids and logits (the PyTorch peer's check)." };
        var servingCommand = new Command("serving", "Time a trained model's logits at a fixed batch and length (bench/serving.sh).") { model, engine, batch, length, steps, logitsFile };
        servingCommand.SetAction(parse => Guarded(parse.GetValue(threads), "serving",
            measurement => ServingBench.Run(parse.GetValue(model)!, parse.GetValue(engine)!, parse.GetValue(batch), parse.GetValue(length), parse.GetValue(steps),
                parse.GetValue(logitsFile), measurement)));

        var export = new Option<string>("--export") { Description = "The model's ONNX export (fp32).", Required = true };
        var texts = new Option<string>("--texts") { Description = "A TSV file with a text column (a test split).", Required = true };
        var agreementCommand = new Command("serving-agreement", "ONNX Runtime against TorchSharp (fp32) on every text of a file: logits and predictions.") { model, export, texts };
        agreementCommand.SetAction(parse => Guarded(parse.GetValue(threads), "serving-agreement",
            measurement => ServingBench.Agreement(parse.GetValue(model)!, parse.GetValue(export)!, parse.GetValue(texts)!, measurement)));

        var teacher = new Option<string>("--teacher") { Description = "A fine-tuned teacher folder (peakd finetune --out).", Required = true };
        var data = new Option<string>("--data") { Description = "A folder of train/dev/test TSV files (text, label).", DefaultValueFactory = _ => Path.Combine("data", "fine-foods") };
        var positiveLabel = new Option<string?>("--positive-label") { Description = "The class F1 scores (fine-foods: great)." };
        var student = new Option<string>("--student") { Description = "The cells' student.", DefaultValueFactory = _ => "Bert1" };
        var recipe = new Option<string>("--recipe") { Description = "The cells' recipe (ft, kd, pkd, sps, peabert).", DefaultValueFactory = _ => "kd" };
        var cells = new Option<int>("--cells") { Description = "Cells: one per seed, 1 to N.", DefaultValueFactory = _ => 4 };
        var epochs = new Option<int>("--epochs") { Description = "KD epochs per cell.", DefaultValueFactory = _ => 1 };
        var maxLength = new Option<int>("--max-length") { Description = "Tokens per example.", DefaultValueFactory = _ => 64 };
        var trainRows = new Option<int>("--train-rows") { Description = "Train on a copy of the data with this many train rows (dev and test kept); 0 for all.", DefaultValueFactory = _ => 0 };
        var work = new Option<string?>("--work") { Description = "A new folder for the data copy, the specs and the sweep folders (default: a new one under the temporary folder); kept." };
        var parallelList = new Option<string>("--parallel") { Description = "The cells-at-once counts to run the sweep with, each in a fresh sweep folder.", DefaultValueFactory = _ => "1,2" };
        var sweepCommand = new Command("sweep", "A sweep's per-cell overhead against its training, and its wall time at each --parallel, through the peakd CLI.")
            { teacher, data, positiveLabel, student, recipe, cells, epochs, maxLength, trainRows, work, parallelList };
        sweepCommand.SetAction(parse => Guarded(parse.GetValue(threads), "sweep", measurement => SweepBench.Run(new SweepBenchOptions(
            parse.GetValue(teacher)!, parse.GetValue(data)!, parse.GetValue(positiveLabel), parse.GetValue(student)!, parse.GetValue(recipe)!,
            parse.GetValue(cells), parse.GetValue(epochs), parse.GetValue(maxLength), parse.GetValue(trainRows), parse.GetValue(work),
            ParallelCounts(parse.GetValue(parallelList)!)), measurement)));

        var root = new RootCommand("PeaKd benchmarks: one JSON line per measurement (see bench/run.sh).") { threads, caseCommand, phasesCommand, peakCommand, generatorCommand, servingCommand, agreementCommand, verifyCommand, sweepCommand };
        return root.Parse(args).Invoke();
    }

    private static int[] ParallelCounts(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => int.TryParse(p, out int n) ? n : throw new ArgumentException($"--parallel '{text}': '{p}' is not a whole number; give counts such as 1,2."))
            .ToArray();

    private static int Guarded(int threads, string measurementName, Action<Measurement> body)
    {
        if (threads < 1)
        {
            Console.Error.WriteLine($"PeaKd.Bench: --threads must be at least 1 (got {threads}).");
            return 1;
        }
        set_num_threads(threads);
        var measurement = new Measurement(measurementName, threads);
        try
        {
            body(measurement);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException or InvalidOperationException)
        {
            Console.Error.WriteLine($"PeaKd.Bench {measurementName}: {e.Message}");
            return 1;
        }
        measurement.Print();
        return 0;
    }
}
