using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PeaKd.Checkpoints;
using PeaKd.Data.Batching;
using PeaKd.Data.Tokenization;
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
/// resumable checkpoints removed when the stage is done unless the <c>retention</c> keeps them,
/// resumable checkpoints, and a stop with a clear error when the loss stops being finite.
/// </summary>
/// <remarks>
/// <c>optionsProperty</c> names the stage's options in the caller's API (<c>PipelineOptions.PtpTraining</c>), so that an
/// error says which setting to change.
/// Resuming is bitwise exact on the same device and thread count: the batch order of an epoch depends only on
/// (seed, epoch), dropout is re-seeded from (seed, step) before every step, and the checkpoint holds the weights
/// and the optimizer moments exactly.
/// </remarks>
internal sealed class TrainingLoop(string stage, nn.Module model, TrainingOptions options, string folder, MetricsLog log,
    IProgress<TrainingProgress>? progress, CancellationToken cancellationToken, JsonObject? startEntry = null,
    CheckpointRetention retention = CheckpointRetention.All, string optionsProperty = nameof(TrainingOptions))
{
    private const string BestFile = "best.safetensors";
    private const string DoneFile = "done.json";

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
        string donePath = Path.Combine(folder, DoneFile);
        if (resume)
        {
            AtomicFile.RemoveTemporaries(folder); // what a kill mid-write left; never read
        }
        if (resume && File.Exists(donePath))
        {
            if (TryReadDone(donePath, out TrainingResult? finished, out string? damage))
            {
                LoadWeights(Path.Combine(folder, BestFile));
                if (retention == CheckpointRetention.Best)
                {
                    TrainingCheckpoint.RemoveAll(folder); // what a kill during the pruning left
                }
                Note($"{stage}: already finished, reusing it (best score {finished.BestScore?.ToString("F4", CultureInfo.InvariantCulture) ?? "n/a"}).");
                return finished;
            }
            Note($"{stage}: {damage} The stage runs again from the start (the result is the same).");
            resume = false;
        }
        if (!resume)
        {
            ClearFolder();
        }

        using AdamW optimizer = AdamW.ForModel(model, options.WeightDecay);
        var schedule = new LinearWarmupSchedule(options.LearningRate, totalSteps, options.WarmupFraction);

        TrainingCheckpoint.CheckpointRecord? checkpoint = resume ? TrainingCheckpoint.FindIntact(folder, Note) : null;
        if (checkpoint is not null)
        {
            TrainingCheckpoint.Load(folder, checkpoint, model, optimizer);
            TrainingCheckpoint.RemoveAfter(folder, checkpoint.State.GlobalStep); // a killed run's later, unusable ones
        }
        else if (resume)
        {
            ClearFolder(); // nothing usable: start the stage over
        }
        LoopState state = checkpoint?.State ?? LoopState.Start;
        string? lastCheckpoint = state.GlobalStep > 0 ? Path.Combine(folder, TrainingCheckpoint.StateFile) : null;
        long checkpointStep = state.GlobalStep; // where a resume would continue from
        if (checkpoint is not null)
        {
            log.TruncateAfter(stage, state.GlobalStep); // the steps after the checkpoint are logged again
        }
        if (state.GlobalStep > 0)
        {
            Note($"{stage}: resuming at step {state.GlobalStep} of {totalSteps} (epoch {state.Epoch + 1}).");
        }

        if (state.GlobalStep == 0 && startEntry is not null)
        {
            var entry = new JsonObject { ["stage"] = stage, ["step"] = 0L }; // a resume keeps it: its step is 0
            foreach ((string name, JsonNode? value) in startEntry)
            {
                entry[name] = value?.DeepClone();
            }
            log.Write(entry);
        }
        progress?.Report(new TrainingProgress(ProgressKind.StageStarted, stage, state.GlobalStep, totalSteps));
        var clock = Stopwatch.StartNew();
        double secondsBefore = state.Seconds;
        long examples = state.ExamplesSeen;
        long step = state.GlobalStep;
        var window = new MetricsWindow(stage, log);

        for (int epoch = state.Epoch; epoch < options.EpochCount; epoch++)
        {
            IReadOnlyList<int[]> order = Batcher.Order(train, options.BatchSize, options.Seed + epoch, options.BucketByLength);
            for (int b = epoch == state.Epoch ? state.BatchInEpoch : 0; b < order.Count; b++)
            {
                model.train();
                double learningRate = schedule.At(step);
                Dictionary<string, double> values;
                using (NewDisposeScope())
                {
                    SeedStep(step);
                    using Batch batch = Batcher.Collate(train, order[b], paddingId, device);
                    values = TrainingStep.Run(optimizer, () => loss(batch), learningRate, options.MaxGradNorm,
                        term => new TrainingDivergedException(stage, step + 1, term, lastCheckpoint, $"{optionsProperty}.{nameof(TrainingOptions.LearningRate)}")); // 1-based, as the log counts steps
                }
                step++;
                examples += order[b].Length;
                window.Add(values);
                bool epochEnd = b == order.Count - 1;
                bool checkpointDue = !epochEnd && options.CheckpointEvery > 0 && step % options.CheckpointEvery == 0;
                double epochDone = epoch + (b + 1.0) / order.Count;
                if (step % options.LogEvery == 0 || step == totalSteps || epochEnd || checkpointDue)
                {
                    window.Flush(step, epochDone, learningRate);
                }
                progress?.Report(new TrainingProgress(ProgressKind.Step, stage, step, totalSteps, values));

                if (evaluate is not null && !epochEnd && options.EvalEvery > 0 && step % options.EvalEvery == 0)
                {
                    long bestBefore = state.BestStep;
                    state = DevCheck(state, evaluate, step, epochDone, $"step {step}/{totalSteps}");
                    // new best weights are vouched for by a checkpoint at once: a resume never meets best weights its state does not know
                    checkpointDue |= state.BestStep != bestBefore;
                }
                if (checkpointDue)
                {
                    if (!window.IsEmpty)
                    {
                        window.Flush(step, epochDone, learningRate);
                    }
                    checkpointStep = step;
                    lastCheckpoint = TrainingCheckpoint.Save(folder, model, optimizer,
                        state with { Epoch = epoch, BatchInEpoch = b + 1, GlobalStep = step, OptimizerSteps = optimizer.Steps, Seconds = secondsBefore + clock.Elapsed.TotalSeconds, ExamplesSeen = examples });
                }
                if (cancellationToken.IsCancellationRequested)
                {
                    throw new TrainingStoppedException(stage, step, checkpointStep, cancellationToken);
                }
            }

            double trainingSeconds = secondsBefore + clock.Elapsed.TotalSeconds;
            if (evaluate is not null)
            {
                state = DevCheck(state, evaluate, step, epoch + 1.0, $"epoch {epoch + 1}/{options.EpochCount}");
            }
            clock.Stop();
            state = state with { Epoch = epoch + 1, BatchInEpoch = 0, GlobalStep = step, OptimizerSteps = optimizer.Steps, Seconds = trainingSeconds, ExamplesSeen = examples };
            lastCheckpoint = TrainingCheckpoint.Save(folder, model, optimizer, state);
            checkpointStep = step;
            clock.Restart();
            secondsBefore = trainingSeconds;
        }
        progress?.Report(new TrainingProgress(ProgressKind.StageFinished, stage, step, totalSteps));

        if (evaluate is null)
        {
            WeightsFile.WriteSafetensors(Path.Combine(folder, BestFile), model.state_dict());
        }
        else
        {
            // a best file written after the checkpoint this run resumed from was rewritten by the replay; one that still
            // differs from the hash recorded when it was written was damaged on disk
            if (state.BestSha256 is string bestHash && !BestMatches(bestHash))
            {
                throw new CorruptFileException(Path.Combine(folder, BestFile),
                    $"the best weights are missing or damaged (SHA-256 differs from the one recorded at step {state.BestStep}). Delete {folder} and resume the run to redo the {stage} stage.");
            }
            LoadWeights(Path.Combine(folder, BestFile));
        }
        var done = new TrainingResult(state.BestScore, state.BestStep, state.BestMetrics, step, state.Seconds,
            state.Seconds > 0 ? state.ExamplesSeen / state.Seconds : 0);
        JsonObject record = JsonSerializer.SerializeToNode(done, JsonFile.MetadataOptions)!.AsObject();
        record["best_sha256"] = TrainingCheckpoint.Hash(Path.Combine(folder, BestFile));
        JsonFile.WriteSealed(donePath, record);
        if (retention == CheckpointRetention.Best)
        {
            TrainingCheckpoint.RemoveAll(folder); // done.json and the best weights make the stage complete without them
        }
        return done;
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
        WeightsFile.WriteSafetensors(Path.Combine(folder, BestFile), model.state_dict());
        return state with { BestScore = result.Score, BestStep = step, BestMetrics = result.Metrics, BestSha256 = TrainingCheckpoint.Hash(Path.Combine(folder, BestFile)) };
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
            if (!File.Exists(Path.Combine(folder, BestFile)) || (bestHash is not null && !BestMatches(bestHash)))
            {
                damage = $"{Path.Combine(folder, BestFile)} is missing or does not match the SHA-256 in {donePath}.";
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
        string path = Path.Combine(folder, BestFile);
        return File.Exists(path) && string.Equals(TrainingCheckpoint.Hash(path), sha256, StringComparison.OrdinalIgnoreCase);
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
