namespace PeaKd.Samples.Students;

/// <summary>Ablation: paired sharing without the shuffle (Query and Key keep their roles).</summary>
[Student(3), Sps(Shuffle = Shuffle.None)]
public partial class SpsNoShuffle3;

/// <summary>ALBERT-style: one owned layer run 12 times, all parameters shared across depth.</summary>
[Student(1)]
[SharedLayer(1, From = 0)]
[SharedLayer(2, From = 0)]
[SharedLayer(3, From = 0)]
[SharedLayer(4, From = 0)]
[SharedLayer(5, From = 0)]
[SharedLayer(6, From = 0)]
[SharedLayer(7, From = 0)]
[SharedLayer(8, From = 0)]
[SharedLayer(9, From = 0)]
[SharedLayer(10, From = 0)]
[SharedLayer(11, From = 0)]
public partial class Albert12;

/// <summary>ALBERT-style at a 6-layer teacher's depth (all-MiniLM-L6-v2): one owned layer run six times, unshuffled.</summary>
[Student(1)]
[SharedLayer(1, From = 0)]
[SharedLayer(2, From = 0)]
[SharedLayer(3, From = 0)]
[SharedLayer(4, From = 0)]
[SharedLayer(5, From = 0)]
public partial class Albert6;

/// <summary>Two owned layers run three times each (depth 6 for the parameters of 2): SPS taken one step further, the
/// second and third passes with Query and Key swapped.</summary>
[Student(2)]
[SharedLayer(2, From = 0, Shuffle = Shuffle.QueryKey)]
[SharedLayer(3, From = 1, Shuffle = Shuffle.QueryKey)]
[SharedLayer(4, From = 0, Shuffle = Shuffle.QueryKey)]
[SharedLayer(5, From = 1, Shuffle = Shuffle.QueryKey)]
public partial class PeaBert2x3;
