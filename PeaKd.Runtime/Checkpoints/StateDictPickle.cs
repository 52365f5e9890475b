using System.Buffers.Binary;
using System.Text;
using PeaKd.IO;

namespace PeaKd.Checkpoints;

/// <summary>A tensor as a pickled PyTorch state dict describes it: where its storage is and how it views it.</summary>
internal sealed record PickledTensor(string Name, string StorageKey, string StorageType, long StorageElements, long Offset, long[] Shape, long[] Stride);

/// <summary>
/// Reads the data.pkl of a torch.save'd state dict without running it: a small interpreter for the pickle opcodes
/// torch.save emits that only builds plain values, tuples, dicts and tensor descriptions. Anything else (another
/// callable, an unknown opcode, a reference to nowhere) is an error naming the byte. Every length is checked against
/// the bytes that remain, so a damaged pickle cannot make it allocate much or loop.
/// </summary>
internal static class StateDictPickle
{
    private sealed record Global(string Module, string Name);
    private sealed record Persistent(object?[] Id);
    private sealed class Dict : List<(object? Key, object? Value)>;
    private sealed record TensorRef(string Key, string Type, long Elements, long Offset, long[] Shape, long[] Stride);

    // Long: an interpreter reads best as one loop over one switch of opcodes, with the stack and memo it shares as
    // locals and its few helpers as local functions beside them; split, each opcode's case would take that state as
    // arguments and the bounds checks would move away from the reads they guard.
    public static IReadOnlyList<PickledTensor> Read(byte[] pickle, string file, string entry)
    {
        var stack = new List<object?>();
        var marks = new Stack<int>();
        var memo = new Dictionary<long, object?>();
        int at = 0;

        CorruptFileException Bad(string problem, int offset) => new(file, problem, $"{entry} byte {offset}");
        ReadOnlySpan<byte> Take(int count, int opcodeAt)
        {
            if (count < 0 || count > pickle.Length - at)
            {
                throw Bad($"the pickle ends inside an operand ({count} bytes needed, {pickle.Length - at} left). The file is truncated.", opcodeAt);
            }
            ReadOnlySpan<byte> span = pickle.AsSpan(at, count);
            at += count;
            return span;
        }
        object? Pop(int opcodeAt)
        {
            int floor = marks.Count == 0 ? 0 : marks.Peek();
            if (stack.Count <= floor)
            {
                throw Bad("the pickle pops an empty stack.", opcodeAt);
            }
            object? top = stack[^1];
            stack.RemoveAt(stack.Count - 1);
            return top;
        }
        List<object?> PopMark(int opcodeAt)
        {
            if (marks.Count == 0)
            {
                throw Bad("the pickle closes a mark it never opened.", opcodeAt);
            }
            int start = marks.Pop();
            List<object?> items = stack.GetRange(start, stack.Count - start);
            stack.RemoveRange(start, stack.Count - start);
            return items;
        }
        string Line(int opcodeAt)
        {
            int end = Array.IndexOf(pickle, (byte)'\n', at);
            if (end < 0 || end - at > 256)
            {
                throw Bad("a GLOBAL name is not terminated.", opcodeAt);
            }
            string text = Encoding.UTF8.GetString(pickle, at, end - at);
            at = end + 1;
            return text;
        }
        string Utf8(ReadOnlySpan<byte> bytes, int opcodeAt)
        {
            try
            {
                return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                throw Bad("a string is not valid UTF-8.", opcodeAt);
            }
        }

        while (true)
        {
            if (at >= pickle.Length)
            {
                throw Bad("the pickle ends without a STOP opcode. The file is truncated.", at);
            }
            int opcodeAt = at;
            byte opcode = pickle[at++];
            switch (opcode)
            {
                case 0x80: Take(1, opcodeAt); break;                                   // PROTO
                case 0x95: Take(8, opcodeAt); break;                                   // FRAME
                case (byte)'}': stack.Add(new Dict()); break;                          // EMPTY_DICT
                case (byte)']': stack.Add(new List<object?>()); break;                 // EMPTY_LIST
                case (byte)')': stack.Add(Array.Empty<object?>()); break;              // EMPTY_TUPLE
                case (byte)'(': marks.Push(stack.Count); break;                        // MARK
                case (byte)'N': stack.Add(null); break;
                case 0x88: stack.Add(true); break;
                case 0x89: stack.Add(false); break;
                case (byte)'K': stack.Add((long)Take(1, opcodeAt)[0]); break;         // BININT1
                case (byte)'M': stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2, opcodeAt))); break;
                case (byte)'J': stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4, opcodeAt))); break;
                case 0x8a:                                                             // LONG1
                {
                    int n = Take(1, opcodeAt)[0];
                    if (n > 8)
                    {
                        throw Bad($"an integer of {n} bytes is larger than any size in a state dict.", opcodeAt);
                    }
                    ReadOnlySpan<byte> bytes = Take(n, opcodeAt);
                    long value = 0;
                    for (int i = n - 1; i >= 0; i--)
                    {
                        value = (value << 8) | bytes[i];
                    }
                    if (n is > 0 and < 8 && (bytes[n - 1] & 0x80) != 0)
                    {
                        value -= 1L << (8 * n);
                    }
                    stack.Add(value);
                    break;
                }
                case (byte)'G': stack.Add(BinaryPrimitives.ReadDoubleBigEndian(Take(8, opcodeAt))); break;
                case (byte)'X': stack.Add(Utf8(Take(BinaryPrimitives.ReadInt32LittleEndian(Take(4, opcodeAt)), opcodeAt), opcodeAt)); break;
                case 0x8c: stack.Add(Utf8(Take(Take(1, opcodeAt)[0], opcodeAt), opcodeAt)); break; // SHORT_BINUNICODE
                case (byte)'U': stack.Add(Encoding.Latin1.GetString(Take(Take(1, opcodeAt)[0], opcodeAt))); break;
                case (byte)'T': stack.Add(Encoding.Latin1.GetString(Take(BinaryPrimitives.ReadInt32LittleEndian(Take(4, opcodeAt)), opcodeAt))); break;
                case (byte)'C': stack.Add(Take(Take(1, opcodeAt)[0], opcodeAt).ToArray()); break;  // SHORT_BINBYTES
                case (byte)'B': stack.Add(Take(BinaryPrimitives.ReadInt32LittleEndian(Take(4, opcodeAt)), opcodeAt).ToArray()); break;
                case (byte)'q': memo[Take(1, opcodeAt)[0]] = Peek(); break;           // BINPUT
                case (byte)'r': memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4, opcodeAt))] = Peek(); break;
                case 0x94: memo[memo.Count] = Peek(); break;                           // MEMOIZE
                case (byte)'h': stack.Add(Recall(Take(1, opcodeAt)[0])); break;       // BINGET
                case (byte)'j': stack.Add(Recall(BinaryPrimitives.ReadUInt32LittleEndian(Take(4, opcodeAt)))); break;
                case (byte)'c': stack.Add(new Global(Line(opcodeAt), Line(opcodeAt))); break;
                case 0x93:                                                             // STACK_GLOBAL
                {
                    object? name = Pop(opcodeAt), module = Pop(opcodeAt);
                    stack.Add(module is string m && name is string n ? new Global(m, n) : throw Bad("STACK_GLOBAL needs two strings.", opcodeAt));
                    break;
                }
                case (byte)'Q':                                                        // BINPERSID
                    stack.Add(Pop(opcodeAt) is object?[] id ? new Persistent(id) : throw Bad("a persistent id must be a tuple.", opcodeAt));
                    break;
                case (byte)'t': stack.Add(PopMark(opcodeAt).ToArray()); break;        // TUPLE
                case 0x85: { object? a = Pop(opcodeAt); stack.Add(new[] { a }); break; }
                case 0x86: { object? b = Pop(opcodeAt), a = Pop(opcodeAt); stack.Add(new[] { a, b }); break; }
                case 0x87: { object? c = Pop(opcodeAt), b = Pop(opcodeAt), a = Pop(opcodeAt); stack.Add(new[] { a, b, c }); break; }
                case (byte)'0': Pop(opcodeAt); break;                                 // POP
                case (byte)'1': PopMark(opcodeAt); break;                             // POP_MARK
                case (byte)'a':                                                        // APPEND
                {
                    object? item = Pop(opcodeAt);
                    (Peek() as List<object?> ?? throw Bad("APPEND needs a list.", opcodeAt)).Add(item);
                    break;
                }
                case (byte)'e':                                                        // APPENDS
                {
                    List<object?> items = PopMark(opcodeAt);
                    (Peek() as List<object?> ?? throw Bad("APPENDS needs a list.", opcodeAt)).AddRange(items);
                    break;
                }
                case (byte)'s':                                                        // SETITEM
                {
                    object? value = Pop(opcodeAt), key = Pop(opcodeAt);
                    (Peek() as Dict ?? throw Bad("SETITEM needs a dict.", opcodeAt)).Add((key, value));
                    break;
                }
                case (byte)'u':                                                        // SETITEMS
                {
                    List<object?> items = PopMark(opcodeAt);
                    Dict dict = Peek() as Dict ?? throw Bad("SETITEMS needs a dict.", opcodeAt);
                    if (items.Count % 2 != 0)
                    {
                        throw Bad("SETITEMS has a key without a value.", opcodeAt);
                    }
                    for (int i = 0; i < items.Count; i += 2)
                    {
                        dict.Add((items[i], items[i + 1]));
                    }
                    break;
                }
                case (byte)'b': Pop(opcodeAt); Peek(); break;                         // BUILD: state is ignored (OrderedDict metadata)
                case (byte)'R':                                                        // REDUCE
                {
                    object? args = Pop(opcodeAt), callable = Pop(opcodeAt);
                    stack.Add(Reduce(callable, args as object?[] ?? throw Bad("REDUCE needs an argument tuple.", opcodeAt), opcodeAt));
                    break;
                }
                case (byte)'.':                                                        // STOP
                    return Tensors(Pop(opcodeAt), opcodeAt);
                default:
                    throw Bad($"pickle opcode 0x{opcode:x2} is not one torch.save writes for a state dict.", opcodeAt);
            }

            object? Peek()
            {
                int floor = marks.Count == 0 ? 0 : marks.Peek();
                return stack.Count > floor ? stack[^1] : throw Bad("the pickle refers to an empty stack.", opcodeAt);
            }
            object? Recall(long key) => memo.TryGetValue(key, out object? value) ? value : throw Bad($"memo entry {key} was never stored.", opcodeAt);
        }

        object? Reduce(object? callable, object?[] args, int opcodeAt)
        {
            switch (callable)
            {
                case Global { Module: "collections", Name: "OrderedDict" }:
                    return new Dict();
                case Global { Module: "torch._utils", Name: "_rebuild_tensor_v2" or "_rebuild_tensor" }:
                    return Tensor(args, opcodeAt);
                case Global { Module: "torch._utils", Name: "_rebuild_parameter" }:
                    throw Bad("the file holds a whole model (nn.Parameter objects), not a state dict; save it with torch.save(model.state_dict(), ...).", opcodeAt);
                case Global g:
                    throw Bad($"the pickle calls {g.Module}.{g.Name}; a state dict only rebuilds tensors.", opcodeAt);
                default:
                    throw Bad("REDUCE of something that is not a known function.", opcodeAt);
            }
        }

        TensorRef Tensor(object?[] args, int opcodeAt)
        {
            if (args.Length < 4 || args[0] is not Persistent { Id: [ "storage", Global storageType, string key, _, long elements, ..] }
                || args[1] is not long offset || args[2] is not object?[] shapeItems || args[3] is not object?[] strideItems)
            {
                throw Bad("a tensor is not (storage, offset, shape, stride, ...) as torch.save writes it.", opcodeAt);
            }
            long[] shape = Longs(shapeItems, "shape", opcodeAt), stride = Longs(strideItems, "stride", opcodeAt);
            if (shape.Length != stride.Length)
            {
                throw Bad($"a tensor has {shape.Length} sizes but {stride.Length} strides.", opcodeAt);
            }
            return new TensorRef(key, storageType.Name, elements, offset, shape, stride);
        }

        long[] Longs(object?[] items, string what, int opcodeAt) =>
            items.Length <= 16 && items.All(i => i is long) ? items.Select(i => (long)i!).ToArray()
                : throw Bad($"a tensor's {what} is not a short tuple of integers.", opcodeAt);

        IReadOnlyList<PickledTensor> Tensors(object? root, int opcodeAt)
        {
            if (root is not Dict dict)
            {
                throw Bad("the pickle does not hold a dict of tensors (a state dict).", opcodeAt);
            }
            var tensors = new List<PickledTensor>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach ((object? key, object? value) in dict)
            {
                if (key is not string name || value is not TensorRef t)
                {
                    throw Bad($"state dict entry '{key}' is not a named tensor.", opcodeAt);
                }
                if (!names.Add(name))
                {
                    throw Bad($"state dict entry '{name}' appears twice.", opcodeAt);
                }
                tensors.Add(new PickledTensor(name, t.Key, t.Type, t.Elements, t.Offset, t.Shape, t.Stride));
            }
            return tensors;
        }
    }
}
