using ScottPlot;
using PeaKd.IO;

namespace PeaKd.Reporting.Sweeps;

/// <summary>The sweep report's charts: every setting's dev mean with its 95% interval as a point with an error bar,
/// the front as a line through its members, the best within the budget ringed, and the budget's limit as a vertical
/// line when one is set.</summary>
internal static class SweepCharts
{
    public static void Write(SweepReport report, string folder)
    {
        Parameters(report, Path.Combine(folder, "pareto-parameters.png"));
        Latency(report, Path.Combine(folder, "pareto-latency.png"));
    }

    private static void Parameters(SweepReport report, string path)
    {
        var plot = new Plot();
        Series(plot, report.Settings, s => s.OwnedParameters / 1e6, "settings", 0);
        Front(plot, report.ParametersFront, s => s.OwnedParameters / 1e6, "front", 0);
        Best(plot, report, s => s.OwnedParameters / 1e6, _ => true);
        if (report.Budget.MaxOwnedParameters is long most)
        {
            Limit(plot, most / 1e6, $"budget: {most:N0} parameters");
        }
        Save(plot, $"Dev {report.Metric} against owned parameters (mean and 95% interval over seeds)", "owned parameters (millions, classifier excluded)", report, path);
    }

    /// <summary>One colour per CPU model, each with its own front: latencies of different CPUs are not one axis, so
    /// the fronts are drawn side by side, never joined. No latency measured, no chart (an older one is removed).</summary>
    private static void Latency(SweepReport report, string path)
    {
        if (report.LatencyFronts.Count == 0)
        {
            File.Delete(path);
            return;
        }
        var plot = new Plot();
        for (int i = 0; i < report.LatencyFronts.Count; i++)
        {
            LatencyFront front = report.LatencyFronts[i];
            string cpu = front.CpuModel;
            string of = report.LatencyFronts.Count == 1 ? "" : $" ({cpu})";
            Series(plot, front.Measured, s => s.LatencyByCpu[cpu], $"settings{of}", i);
            Front(plot, front.Members, s => s.LatencyByCpu[cpu], $"front{of}", i);
            Best(plot, report, s => s.LatencyByCpu[cpu], p => p.CpuModel is null || p.CpuModel == cpu, cpu);
        }
        if (report.Budget.MaxInt8LatencyMilliseconds is double ms)
        {
            Limit(plot, ms, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"budget: {ms} ms"));
        }
        string on = report.LatencyFronts.Count == 1 ? $" on {report.LatencyFronts[0].CpuModel}" : ", one front per CPU model";
        Save(plot, $"Dev {report.Metric} against int8 latency{on}", "int8 latency (ms, batch 1 at the trained length)", report, path);
    }

    private static void Series(Plot plot, IReadOnlyList<SweepSetting> settings, Func<SweepSetting, double> x, string legend, int colour)
    {
        double[] xs = settings.Select(x).ToArray(), ys = settings.Select(s => s.Dev.Mean).ToArray();
        var bars = plot.Add.ErrorBar(xs, ys, settings.Select(s => s.Dev.HalfWidth).ToArray());
        bars.Color = plot.Add.Palette.GetColor(colour).WithAlpha(0.6);
        var points = plot.Add.ScatterPoints(xs, ys, plot.Add.Palette.GetColor(colour));
        points.MarkerSize = 8;
        points.LegendText = legend;
    }

    private static void Front(Plot plot, IReadOnlyList<SweepSetting> members, Func<SweepSetting, double> x, string legend, int colour)
    {
        SweepSetting[] ordered = members.OrderBy(x).ToArray();
        var line = plot.Add.ScatterLine(ordered.Select(x).ToArray(), ordered.Select(s => s.Dev.Mean).ToArray(), plot.Add.Palette.GetColor(colour));
        line.LineWidth = 2;
        line.LegendText = legend;
        foreach (SweepSetting s in ordered)
        {
            var label = plot.Add.Text(s.Name, x(s), s.Dev.Mean);
            label.LabelFontSize = 11;
            label.OffsetX = 6;
            label.OffsetY = -6;
        }
    }

    private static void Best(Plot plot, SweepReport report, Func<SweepSetting, double> x, Func<BudgetPick, bool> applies, string? cpu = null)
    {
        foreach (SweepSetting best in report.Picks.Where(applies).Select(p => p.Best).OfType<SweepSetting>().DistinctBy(b => b.Name))
        {
            if (cpu is not null && !best.LatencyByCpu.ContainsKey(cpu))
            {
                continue;
            }
            var ring = plot.Add.Marker(x(best), best.Dev.Mean, MarkerShape.OpenCircle, 18, Colors.Black);
            ring.LegendText = $"best within budget: {best.Name}";
        }
    }

    private static void Limit(Plot plot, double x, string legend)
    {
        var line = plot.Add.VerticalLine(x, width: 2, color: Colors.Red, pattern: LinePattern.Dashed);
        line.LegendText = legend;
    }

    private static void Save(Plot plot, string title, string xLabel, SweepReport report, string path)
    {
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel($"dev {report.Metric} (points)");
        plot.ShowLegend(Edge.Right); // beside the data: no place inside is sure to be free of points
        plot.Axes.Margins(left: 0.05, right: 0.2, bottom: 0.1, top: 0.1); // room for the names right of the front's points
        AtomicFile.Write(path, temporary => plot.SavePng(temporary, 1100, 650));
    }
}
