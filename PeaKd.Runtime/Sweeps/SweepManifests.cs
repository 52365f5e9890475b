using System.Globalization;
using System.Text;

namespace PeaKd.Sweeps;

/// <summary>
/// The same cell command for engines PeaKd does not drive itself: one shell line per cell (for GNU parallel, a CI
/// matrix, any batch system), and a Kubernetes Indexed Job whose pods pick their cell by JOB_COMPLETION_INDEX. Both
/// list the cells that are not done when they are written; the shared steps must run first (<see cref="SweepRunner.Prepare"/>).
/// </summary>
public static class SweepManifests
{
    /// <summary>One line per cell of <paramref name="cells"/>: the command that runs it.</summary>
    /// <param name="cells">The cells, in plan order.</param>
    /// <param name="command">The command that runs one cell.</param>
    public static string Commands(IEnumerable<SweepCell> cells, SweepCellCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Validate();
        return string.Concat(cells.Select(c => command.ShellLine(c.Id) + "\n"));
    }

    /// <summary>A Kubernetes Indexed Job (batch/v1) with one completion per cell: pod i runs the i-th cell, its id
    /// taken from a list in the manifest, so the mapping never depends on the plan's order at run time. The sweep
    /// folder must be mounted at the path the spec names (a shared volume, <paramref name="volumeClaim"/>).</summary>
    /// <param name="name">The Job's name (a DNS label).</param>
    /// <param name="cells">The cells, in plan order.</param>
    /// <param name="command">The command that runs one cell, as the container sees it.</param>
    /// <param name="image">The container image holding the program (the repository's Dockerfile builds one).</param>
    /// <param name="volumeClaim">The PersistentVolumeClaim holding the sweep folder, mounted at <paramref name="mountPath"/>.</param>
    /// <param name="mountPath">Where the volume is mounted in the container.</param>
    /// <param name="parallelism">Pods at once.</param>
    /// <param name="cpus">CPU cores each pod requests.</param>
    public static string KubernetesIndexedJob(string name, IReadOnlyList<SweepCell> cells, SweepCellCommand command, string image,
        string volumeClaim, string mountPath, int parallelism, int cpus)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Validate();
        if (cells.Count == 0)
        {
            throw new ArgumentException("Every cell of the sweep is done: there is nothing for a Job to run.", nameof(cells));
        }
        string ids = string.Join(" ", cells.Select(c => c.Id));
        string run = $"ids=({ids}); exec {command.ShellLine("\"${ids[$JOB_COMPLETION_INDEX]}\"", idIsShell: true)}";
        var yaml = new StringBuilder();
        yaml.Append(CultureInfo.InvariantCulture, $$"""
            # A PeaKd sweep as a Kubernetes Indexed Job: pod i runs cell i of the list in its command.
            # Written by SweepManifests.KubernetesIndexedJob; not exercised by PeaKd's tests (docs/sweeps.md).
            # A pod that fails is retried up to backoffLimitPerIndex times; a stopped cell resumes where it stopped.
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: {{name}}
            spec:
              completionMode: Indexed
              completions: {{cells.Count}}
              parallelism: {{parallelism}}
              backoffLimitPerIndex: 3
              template:
                spec:
                  restartPolicy: Never
                  terminationGracePeriodSeconds: 120 # SIGTERM, then time to finish the step
                  containers:
                    - name: cell
                      image: {{image}}
                      command: ["bash", "-c", {{Yaml(run)}}]
                      env:
                        - name: OMP_NUM_THREADS
                          value: "{{cpus}}"
                      resources:
                        requests: { cpu: "{{cpus}}" }
                      volumeMounts:
                        - name: sweep
                          mountPath: {{mountPath}}
                  volumes:
                    - name: sweep
                      persistentVolumeClaim:
                        claimName: {{volumeClaim}}

            """);
        return yaml.ToString();
    }

    /// <summary>A YAML double-quoted scalar.</summary>
    private static string Yaml(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
