using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PeaKd.Checkpoints;
using PeaKd.Data.Batching;
using PeaKd.Data.Tokenization;
using PeaKd.IO;
using PeaKd.Options;
using static TorchSharp.torch;

namespace PeaKd.Training;

/// <summary>What a stage's training produced (done.json holds it).</summary>
internal sealed record TrainingResult(
    double? BestScore,
    long BestStep,
    IReadOnlyDictionary<string, double>? BestMetrics,
    long Steps,
    double Seconds,
    double ExamplesPerSecond);

/// <summary>
/// The training loop every stage shares: seeded batches, AdamW with BERT's weight-decay groups, linear warmup
/// and decay, gradient clipping, dev checks (every <see cref="TrainingOptions.EvalEvery"/> steps and at each epoch's
/// end) keeping the best weights, metrics.jsonl (with the stage's <c>startEntry</c>, if any, as its step-0 row), the
/// resumable checkpoints removed when the stage is done unless the <c>retention</c> keeps them, and a stop with a clear
/// error when the loss stops being finite.
/// </summary>
/// <remarks>
/// <c>optionsProperty</c> names the stage's options in the caller's API (<c>PipelineOptions.PtpTraining</c>), so that an
/// error says which setting to change.
/// Resuming is bitwise exact on the same device and thread count: the batch order of an epoch depends only on
/// (seed, epoch), dropout is re-seeded from (seed, step) before every step, and the checkpoint holds the weights
/// and the optimizer moments exactly.
/// <see cref="Run"/> reads along Hugging Face Trainer's seams: restore (reuse a finished stage, resume from a checkpoint or
/// start fresh), step (with its <see cref="MetricsWindow"/>), evaluate and keep the best, checkpoint, finish (done.json).
/// </remarks>
internal sealed class TrainingLoop(string stage, nn.Module model, TrainingOptions options, string folder, MetricsLog log,
    IProgress<TrainingProgress>? progress, CancellationToken cancellationToken, JsonObject? startEntry = null,
    CheckpointRetention retention = CheckpointRetention.All, string optionsProperty = nameof(TrainingOptions), string? code = null)
{
    private const string BestFile = "best.safetensors";
    private const string DoneFile = "done.json";

    // What this run's steps compute under (build, device, precision, MKL path, threads): read once per run, written
    // into every checkpoint and compared with the one a resume starts from.
    private ComputeConditions? _conditions;

    private string BestPath => Path.Combine(folder, BestFile);
    private string DonePath => Path.Combine(folder, DoneFile);

    /// <param name="train">The encoded training set.</param>
    /// <param name="paddingId">The vocabulary's [PAD] id.</param>
    /// <param name="device">Where batches go (the model must already be there).</param>
    /// <param name="loss">The loss of a batch; runs the forward pass.</param>
    /// <param name="evaluate">The dev evaluation (higher score is better), or null to keep the last weights.</param>
    /// <param name="resume">Continue from this stage's checkpoint, or skip the stage if it finished.</param>
    /// <remarks>A cancellation stops the loop after the current step (and its checkpoint, when one is due) with
    /// <see cref="OperationCanceledException"/>, leaving what a killed process would leave: a resumable stage.</remarks>
    public TrainingResult Run(IReadOnlyList<EncodedExample> train, int paddingId, Device device,
        Func<Batch, LossTerms> loss, Func<EvaluationResult>? evaluate, bool resume)
    {
        if (train.Count == 0)
        {
            throw new ArgumentException($"{stage}: the training set is empty.");
        }
        long totalSteps = options.CheckTotalSteps(train.Count, optionsProperty); // before anything is written
        Directory.CreateDirectory(folder);
        if (resume)
        {
            AtomicFile.RemoveTemporaries(folder); // what a kill mid-write left; never read
            if (File.Exists(DonePath))
            {
                if (ReuseFinished() is TrainingResult finished)
                {
                    return finished;
                }
                resume = false; // done.json or the best weights are damaged: the stage runs again
            }
        }

        using AdamW optimizer = AdamW.ForModel(model, options.WeightDecay);
        var schedule = new LinearWarmupSchedule(options.LearningRate, totalSteps, options.WarmupFraction);
        _conditions = ComputeConditions.Current(code, model, device);
        LoopState restored = Restore(resume, optimizer, totalSteps, _conditions);
        if (restored.GlobalStep == 0 && startEntry is not null)
        {
            WriteStartEntry(startEntry); // a resume keeps it: its step is 0
        }
        progress?.Report(new TrainingProgress(ProgressKind.StageStarted, stage, restored.GlobalStep, totalSteps));
        var pass = new TrainingPass(train, paddingId, device, loss, evaluate, optimizer, schedule, totalSteps, restored, new MetricsWindow(stage, log))
        {
            LastCheckpoint = restored.GlobalStep > 0 ? Path.Combine(folder, TrainingCheckpoint.StateFile) : null,
        };
        for (int epoch = restored.Epoch; epoch < options.EpochCount; epoch++)
        {
            TrainEpoch(pass, epoch, firstBatch: epoch == restored.Epoch ? restored.BatchInEpoch : 0);
        }
        progress?.Report(new TrainingProgress(ProgressKind.StageFinished, stage, pass.Step, totalSteps));
        return Finish(pass);
    }

    // Restore: skip a finished stage, resume from a checkpoint, or start fresh

    /// <summary>A finished stage, when its done.json and best weights are intact: the best weights loaded and its result;
    /// otherwise null, with a note saying why the stage runs again.</summary>
    private TrainingResult? ReuseFinished()
    {
        if (!TryReadDone(DonePath, out TrainingResult? finished, out string? damage))
        {
            Note($"{stage}: {damage} The stage runs again from the start (the result is the same).");
            return null;
        }
        LoadWeights(BestPath);
        if (retention == CheckpointRetention.Best)
        {
            TrainingCheckpoint.RemoveAll(folder); // what a kill during the pruning left
        }
        Note($"{stage}: already finished, reusing it (best score {finished.BestScore?.ToString("F4", CultureInfo.InvariantCulture) ?? "n/a"}).");
        return finished;
    }

    /// <summary>Where the stage continues: the newest intact checkpoint loaded into the model and optimizer (when
    /// resuming and there is one), or else <see cref="LoopState.Start"/> in a cleared folder.</summary>
    private LoopState Restore(bool resume, AdamW optimizer, long totalSteps, ComputeConditions now)
    {
        TrainingCheckpoint.CheckpointRecord? checkpoint = resume ? TrainingCheckpoint.FindIntact(folder, Note) : null;
        if (checkpoint is null)
        {
            ClearFolder(); // a fresh start, or nothing usable to resume from: the stage starts over
            return LoopState.Start;
        }
        TrainingCheckpoint.Load(folder, checkpoint, model, optimizer);
        TrainingCheckpoint.RemoveAfter(folder, checkpoint.State.GlobalStep); // a killed run's later, unusable ones
        LoopState state = checkpoint.State;
        log.TruncateAfter(stage, state.GlobalStep); // the steps after the checkpoint are logged again
        if (state.GlobalStep > 0)
        {
            Note($"{stage}: resuming at step {state.GlobalStep} of {totalSteps} (epoch {state.Epoch + 1}).");
            IReadOnlyList<string> changes = checkpoint.Conditions is { } then ? now.ChangesSince(then) : [];
            if (changes.Count > 0)
            {
                Note($"{stage}: the checkpoint was written under other conditions ({string.Join(", ", changes)}): the run goes on, but "
                    + "from here its steps may compute differently than an uninterrupted run's, so it is not a bit-for-bit continuation.");
            }
        }
        return state;
    }

    /// <summary>The stage's step-0 row in metrics.jsonl: the caller's <c>startEntry</c>.</summary>
    private void WriteStartEntry(JsonObject fields)
    {
        var entry = new JsonObject { ["stage"] = stage, ["step"] = 0L };
        foreach ((string name, JsonNode? value) in fields)
        {
            entry[name] = value?.DeepClone();
        }
        log.Write(entry);
    }

    // Step: one epoch's batches, each logged through the window, dev-checked and checkpointed when due

    /// <summary>The batches of <paramref name="epoch"/> from <paramref name="firstBatch"/> on, then the epoch's own dev
    /// check and checkpoint. A cancellation stops it after a step (and that step's checkpoint, when one is due).</summary>
    private void TrainEpoch(TrainingPass pass, int epoch, int firstBatch)
    {
        IReadOnlyList<int[]> order = Batcher.Order(pass.Train, options.BatchSize, options.Seed + epoch, options.BucketByLength);
        for (int b = firstBatch; b < order.Count; b++)
        {
            double learningRate = pass.Schedule.At(pass.Step);
            Dictionary<string, double> values = TrainStep(pass, order[b], learningRate);
            pass.Step++;
            pass.Examples += order[b].Length;
            pass.Window.Add(values);
            bool epochEnd = b == order.Count - 1; // the epoch's end has its own dev check and checkpoint, below
            bool checkpointDue = !epochEnd && options.CheckpointEvery > 0 && pass.Step % options.CheckpointEvery == 0;
            double epochDone = epoch + (b + 1.0) / order.Count;
            if (pass.Step % options.LogEvery == 0 || pass.Step == pass.TotalSteps || epochEnd || checkpointDue)
            {
                pass.Window.Flush(pass.Step, epochDone, learningRate);
            }
            progress?.Report(new TrainingProgress(ProgressKind.Step, stage, pass.Step, pass.TotalSteps, values));

            // new best weights are vouched for by a checkpoint at once: a resume never meets best weights its state does not know
            checkpointDue |= !epochEnd && EvaluateAndKeep(pass, epochDone);
            if (checkpointDue)
            {
                if (!pass.Window.IsEmpty)
                {
                    pass.Window.Flush(pass.Step, epochDone, learningRate); // a window never spans a checkpoint
                }
                SaveCheckpoint(pass, pass.At(epoch, b + 1));
            }
            if (cancellationToken.IsCancellationRequested)
            {
                throw new TrainingStoppedException(stage, pass.Step, pass.CheckpointStep, cancellationToken);
            }
        }
        EndEpoch(pass, epoch);
    }

    /// <summary>One optimizer step on the batch of <paramref name="indices"/>: its loss terms by name.</summary>
    private Dictionary<string, double> TrainStep(TrainingPass pass, int[] indices, double learningRate)
    {
        model.train();
        using (NewDisposeScope())
        {
            SeedStep(pass.Step);
            using Batch batch = Batcher.Collate(pass.Train, indices, pass.PaddingId, pass.Device);
            return TrainingStep.Run(pass.Optimizer, () => pass.Loss(batch), learningRate, options.MaxGradNorm,
                term => new TrainingDivergedException(stage, pass.Step + 1, term, pass.LastCheckpoint, new OptionPath(optionsProperty) / nameof(TrainingOptions.LearningRate))); // 1-based, as the log counts steps
        }
    }

    /// <summary>An epoch's end: its dev check, then a checkpoint at the next epoch's start. Neither counts as training time.</summary>
    private void EndEpoch(TrainingPass pass, int epoch)
    {
        pass.PauseClock();
        if (pass.Evaluate is not null)
        {
            pass.State = DevCheck(pass.State, pass.Evaluate, pass.Step, epoch + 1.0, $"epoch {epoch + 1}/{options.EpochCount}");
        }
        pass.State = pass.At(epoch + 1, 0);
        SaveCheckpoint(pass, pass.State);
        pass.ResumeClock();
    }

    // Evaluate and keep: dev checks, keeping the best weights

    /// <summary>The dev check due every <see cref="TrainingOptions.EvalEvery"/> steps; true when it kept new best weights.</summary>
    private bool EvaluateAndKeep(TrainingPass pass, double epochDone)
    {
        if (pass.Evaluate is null || options.EvalEvery <= 0 || pass.Step % options.EvalEvery != 0)
        {
            return false;
        }
        long bestBefore = pass.State.BestStep;
        pass.State = DevCheck(pass.State, pass.Evaluate, pass.Step, epochDone, $"step {pass.Step}/{pass.TotalSteps}");
        return pass.State.BestStep != bestBefore;
    }

    /// <summary>One dev check: a metrics.jsonl row, a progress note, and the weights kept when the score is the best so
    /// far (ties keep the earlier step). The state it returns carries the best into the next checkpoint.</summary>
    private LoopState DevCheck(LoopState state, Func<EvaluationResult> evaluate, long step, double epoch, string when)
    {
        EvaluationResult result = evaluate();
        var entry = new JsonObject { ["stage"] = stage, ["step"] = step, ["epoch"] = epoch, ["split"] = "dev", ["score"] = result.Score };
        foreach ((string name, double value) in result.Metrics)
        {
            entry["dev_" + name] = value;
        }
        log.Write(entry);
        bool better = state.BestScore is not double best || result.Score > best;
        Note($"{stage}: {when} dev {string.Join(", ", result.Metrics.Select(m => $"{m.Key} {m.Value:F4}"))}{(better ? " (best so far)" : "")}");
        if (!better)
        {
            return state;
        }
        WeightsFile.WriteSafetensors(BestPath, model.state_dict());
        return state with { BestScore = result.Score, BestStep = step, BestMetrics = result.Metrics, BestSha256 = TrainingCheckpoint.Hash(BestPath) };
    }

    // Checkpoint: resumable state (TrainingCheckpoint keeps the two newest)

    /// <summary>Saves the weights, optimizer moments and <paramref name="state"/>: where a resume continues from.</summary>
    private void SaveCheckpoint(TrainingPass pass, LoopState state)
    {
        pass.LastCheckpoint = TrainingCheckpoint.Save(folder, model, pass.Optimizer, state, _conditions);
        pass.CheckpointStep = pass.Step;
    }

    // Finish: the best weights in the model, done.json vouching for them

    /// <summary>Puts the best weights (the last ones without dev checks) in the model and best.safetensors, writes
    /// done.json with their hash, and prunes the resumable checkpoints when <c>retention</c> says so.</summary>
    private TrainingResult Finish(TrainingPass pass)
    {
        LoopState state = pass.State;
        if (pass.Evaluate is null)
        {
            WeightsFile.WriteSafetensors(BestPath, model.state_dict());
        }
        else
        {
            // a best file written after the checkpoint this run resumed from was rewritten by the replay; one that still
            // differs from the hash recorded when it was written was damaged on disk
            if (state.BestSha256 is string bestHash && !BestMatches(bestHash))
            {
                throw new CorruptFileException(BestPath,
                    $"the best weights are missing or damaged (SHA-256 differs from the one recorded at step {state.BestStep}). Delete {folder} and resume the run to redo the {stage} stage.");
            }
            LoadWeights(BestPath);
        }
        var done = new TrainingResult(state.BestScore, state.BestStep, state.BestMetrics, pass.Step, state.Seconds,
            state.Seconds > 0 ? state.ExamplesSeen / state.Seconds : 0);
        JsonObject record = JsonSerializer.SerializeToNode(done, JsonFile.MetadataOptions)!.AsObject();
        record["best_sha256"] = TrainingCheckpoint.Hash(BestPath);
        JsonFile.WriteSealed(DonePath, record);
        if (retention == CheckpointRetention.Best)
        {
            TrainingCheckpoint.RemoveAll(folder); // done.json and the best weights make the stage complete without them
        }
        return done;
    }

    /// <summary>Reads a stage's done.json: its result and the SHA-256 of the best weights it vouches for (null in
    /// files written before it was recorded). A damaged file is a <see cref="CorruptFileException"/> naming it.</summary>
    public static (TrainingResult Result, string? BestSha256) ReadDone(string donePath)
    {
        JsonObject json = JsonFile.ReadSealed(donePath, out bool wasSealed, sealedSince: "best_sha256");
        string? bestSha256 = JsonFile.GetString(json, "best_sha256", donePath);
        json.Remove("best_sha256");
        return (JsonFile.Deserialize<TrainingResult>(json, donePath, JsonFile.OptionsFor(wasSealed)), bestSha256);
    }

    /// <summary>done.json and the best weights it vouches for: both intact, or the reason they are not.</summary>
    private bool TryReadDone(string donePath, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TrainingResult? result, out string? damage)
    {
        result = null;
        damage = null;
        try
        {
            (TrainingResult read, string? bestHash) = ReadDone(donePath);
            if (!File.Exists(BestPath) || (bestHash is not null && !BestMatches(bestHash)))
            {
                damage = $"{BestPath} is missing or does not match the SHA-256 in {donePath}.";
                return false;
            }
            result = read;
            return true;
        }
        catch (CorruptFileException e)
        {
            damage = e.Message;
            return false;
        }
    }

    private bool BestMatches(string sha256)
    {
        return File.Exists(BestPath) && string.Equals(TrainingCheckpoint.Hash(BestPath), sha256, StringComparison.OrdinalIgnoreCase);
    }

    private void Note(string message) => progress?.Report(TrainingProgress.Note(stage, message));

    /// <summary>Dropout's randomness depends only on the seed and the step, so a resumed step repeats exactly.</summary>
    private void SeedStep(long step)
    {
        long seed = options.Seed * 1_000_003L + step;
        random.manual_seed(seed);
        if (cuda.is_available())
        {
            cuda.manual_seed_all(seed);
        }
    }

    private void LoadWeights(string path)
    {
        Dictionary<string, Tensor> weights = WeightsFile.Read(path);
        try
        {
            using (no_grad())
            {
                foreach ((string name, Tensor target) in model.state_dict())
                {
                    target.copy_(weights[name]);
                }
            }
        }
        finally
        {
            foreach (Tensor tensor in weights.Values)
            {
                tensor.Dispose();
            }
        }
    }

    private void ClearFolder()
    {
        foreach (string file in Directory.GetFiles(folder))
        {
            string name = Path.GetFileName(file);
            if (name == DoneFile || name == BestFile || name == TrainingCheckpoint.StateFile || name.StartsWith("checkpoint-", StringComparison.Ordinal))
            {
                File.Delete(file);
            }
        }
        log.TruncateAfter(stage, -1);
    }

}
