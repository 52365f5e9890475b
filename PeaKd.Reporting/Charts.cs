using ScottPlot;
using PeaKd.Reporting.Analysis;
using PeaKd.Reporting.Records;

namespace PeaKd.Reporting;

/// <summary>The report's PNG charts, drawn with ScottPlot.</summary>
internal static class Charts
{
    /// <summary>Every chart into <paramref name="folder"/>; <paramref name="comparisons"/> are the report's paired rows,
    /// in <paramref name="metric"/> (the split and its metric, for the chart's title).</summary>
    public static void Write(IReadOnlyList<RunInfo> runs, string folder, string split, IReadOnlyList<Comparison> comparisons, string metric)
    {
        Loss(runs, Path.Combine(folder, "loss.png"));
        DevMetric(runs, Path.Combine(folder, "dev-metric.png"));
        MetricVsParameters(runs, split, Path.Combine(folder, "metric-vs-parameters.png"));
        PairedDifferences(comparisons, metric, Path.Combine(folder, "paired-differences.png"));
    }

    /// <summary>The comparisons table as a chart: each effect's mean paired difference (a dot) and its 95% interval (a
    /// bar), against a line at 0, so a gain is told from noise at a glance. No pairs, no chart (an older one is removed).</summary>
    private static void PairedDifferences(IReadOnlyList<Comparison> comparisons, string metric, string path)
    {
        if (comparisons.Count == 0)
        {
            File.Delete(path);
            return;
        }
        var plot = new Plot();
        plot.Add.VerticalLine(0, width: 1, color: Colors.Gray);
        string[] effects = comparisons.Select(c => c.What).Distinct().ToArray();
        double[] positions = new double[comparisons.Count];
        string[] labels = new string[comparisons.Count];
        var named = new HashSet<string>();
        for (int i = 0; i < comparisons.Count; i++)
        {
            Comparison row = comparisons[i];
            double y = comparisons.Count - 1 - i; // the table's first row on top
            Color color = plot.Add.Palette.GetColor(Array.IndexOf(effects, row.What));
            if (row.Result.Pairs >= 2)
            {
                var interval = plot.Add.Line(row.Result.Low, y, row.Result.High, y);
                interval.Color = color;
                interval.LineWidth = 3;
            }
            var mean = plot.Add.Marker(row.Result.MeanDifference, y, MarkerShape.FilledCircle, 9, color);
            if (named.Add(row.What))
            {
                mean.LegendText = row.What; // one legend entry per effect
            }
            positions[i] = y;
            labels[i] = $"{row.A} - {row.B} (k = {row.K}; {(row.Result.Pairs < 2 ? "one seed, no interval" : $"{row.Result.Pairs} seeds")})";
        }
        plot.Axes.Left.SetTicks(positions, labels);
        plot.Axes.Left.MajorTickStyle.Length = 0;
        plot.Title($"Paired differences in {metric}: mean and 95% interval over seeds");
        plot.XLabel("A - B (points)");
        plot.ShowLegend(Edge.Right); // beside the data: no place inside is sure to be free of intervals
        plot.SavePng(path, 1100, 140 + 30 * comparisons.Count);
    }

    /// <summary>The training loss of each run's last stage (kd, or finetune for a teacher) against its step.</summary>
    private static void Loss(IReadOnlyList<RunInfo> runs, string path)
    {
        var plot = new Plot();
        foreach (RunInfo run in runs)
        {
            var steps = LastStage(run).Where(e => e.Split is null && e.Values.ContainsKey("loss")).ToList();
            if (steps.Count == 0)
            {
                continue;
            }
            var line = plot.Add.Scatter(steps.Select(e => (double)e.Step).ToArray(), steps.Select(e => e.Values["loss"]).ToArray());
            line.LegendText = Label(run);
            line.MarkerSize = 0;
            TellApart(plot, line);
        }
        Finish(plot, "Training loss (last stage)", "step", "loss", path);
    }

    /// <summary>The dev score at each check of each run's last stage.</summary>
    private static void DevMetric(IReadOnlyList<RunInfo> runs, string path)
    {
        var plot = new Plot();
        foreach (RunInfo run in runs)
        {
            var evaluations = LastStage(run).Where(e => e.Split == "dev" && e.Values.ContainsKey("score")).ToList();
            if (evaluations.Count == 0)
            {
                continue;
            }
            var line = plot.Add.Scatter(evaluations.Select(e => e.Epoch).ToArray(), evaluations.Select(e => e.Values["score"]).ToArray());
            line.LegendText = Label(run);
            TellApart(plot, line);
        }
        Finish(plot, "Dev score per check (the main metric; minus the loss with --select-by loss)", "epoch", "dev score", path);
    }

    /// <summary>Each run's main metric on the split against its parameter count.</summary>
    private static void MetricVsParameters(IReadOnlyList<RunInfo> runs, string split, string path)
    {
        var plot = new Plot();
        foreach (var group in runs.GroupBy(r => r.Variant))
        {
            var points = group.Select(r => (r.Parameters, Score: r.Metrics(split).Values.FirstOrDefault(double.NaN))).Where(p => double.IsFinite(p.Score)).ToList();
            if (points.Count == 0)
            {
                continue;
            }
            var scatter = plot.Add.ScatterPoints(points.Select(p => p.Parameters / 1e6).ToArray(), points.Select(p => p.Score).ToArray());
            scatter.LegendText = group.Key;
            scatter.MarkerSize = 9;
            TellApart(plot, scatter);
        }
        Finish(plot, $"{split} metric against parameters", "parameters (millions, classifier excluded)", $"{split} metric", path, Alignment.LowerRight);
    }

    private static readonly MarkerShape[] Shapes = [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond];
    private static readonly LinePattern[] Patterns = [LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted, LinePattern.DenselyDashed];

    /// <summary>The palette's colours repeat after ten series (a report of 16 variants drew two in one blue), so each
    /// further round of colours gets another marker shape and line pattern.</summary>
    private static void TellApart(Plot plot, ScottPlot.Plottables.Scatter series)
    {
        int round = (plot.GetPlottables().Count() - 1) / plot.Add.Palette.Colors.Length;
        series.MarkerShape = Shapes[round % Shapes.Length];
        series.LinePattern = Patterns[round % Patterns.Length];
    }

    private static IEnumerable<MetricsEntry> LastStage(RunInfo run)
    {
        string? stage = run.Log.LastOrDefault()?.Stage;
        return run.Log.Where(e => e.Stage == stage);
    }

    private static string Label(RunInfo run) => $"{run.Variant} ({Path.GetFileName(run.Folder)})";

    private static void Finish(Plot plot, string title, string x, string y, string path, Alignment legend = Alignment.UpperRight)
    {
        plot.Title(title);
        plot.XLabel(x);
        plot.YLabel(y);
        plot.ShowLegend(legend);
        plot.SavePng(path, 1000, 600);
    }
}
