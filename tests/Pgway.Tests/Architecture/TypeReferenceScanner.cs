using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Pgway.Tests.Architecture;

/// <summary>
/// Which of an assembly's own types each of its types uses, read from the compiled metadata rather
/// than from <c>using</c> lines: base types and interfaces, field, method and local signatures, and
/// every type, method and field token in the method bodies (what the compiler resolved, including
/// fully qualified names and members reached through another type). Nested types (closures, async
/// state machines, lambdas' display classes) count as their outermost type.
/// </summary>
internal sealed class TypeReferenceScanner
{
    private static readonly Dictionary<short, OperandType> Operands = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value, o => o.OperandType);

    private readonly PEReader pe;
    private readonly MetadataReader metadata;
    private readonly SignatureCollector signatures;

    private TypeReferenceScanner(PEReader pe)
    {
        this.pe = pe;
        metadata = pe.GetMetadataReader();
        signatures = new SignatureCollector(metadata);
    }

    /// <summary>For each top-level type (full name), the top-level types of the same assembly it uses.</summary>
    public static Dictionary<string, HashSet<string>> Scan(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        return new TypeReferenceScanner(pe).ScanAll();
    }

    private Dictionary<string, HashSet<string>> ScanAll()
    {
        var uses = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var handle in metadata.TypeDefinitions)
        {
            var owner = OuterName(handle);
            if (!uses.TryGetValue(owner, out var used))
            {
                uses[owner] = used = new HashSet<string>(StringComparer.Ordinal);
            }
            var found = new List<TypeDefinitionHandle>();
            CollectType(handle, found);
            foreach (var target in found)
            {
                var name = OuterName(target);
                if (name != owner)
                {
                    used.Add(name);
                }
            }
        }
        return uses;
    }

    private void CollectType(TypeDefinitionHandle handle, List<TypeDefinitionHandle> found)
    {
        var type = metadata.GetTypeDefinition(handle);
        CollectEntity(type.BaseType, found);
        foreach (var interfaceHandle in type.GetInterfaceImplementations())
        {
            CollectEntity(metadata.GetInterfaceImplementation(interfaceHandle).Interface, found);
        }
        foreach (var fieldHandle in type.GetFields())
        {
            found.AddRange(metadata.GetFieldDefinition(fieldHandle).DecodeSignature(signatures, null));
        }
        foreach (var methodHandle in type.GetMethods())
        {
            var method = metadata.GetMethodDefinition(methodHandle);
            var signature = method.DecodeSignature(signatures, null);
            found.AddRange(signature.ReturnType);
            foreach (var parameter in signature.ParameterTypes)
            {
                found.AddRange(parameter);
            }
            if (method.RelativeVirtualAddress != 0)
            {
                CollectBody(pe.GetMethodBody(method.RelativeVirtualAddress), found);
            }
        }
    }

    private void CollectBody(MethodBodyBlock body, List<TypeDefinitionHandle> found)
    {
        if (!body.LocalSignature.IsNil)
        {
            foreach (var local in metadata.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(signatures, null))
            {
                found.AddRange(local);
            }
        }
        var il = body.GetILReader();
        while (il.RemainingBytes > 0)
        {
            short code = il.ReadByte();
            if (code == 0xFE)
            {
                code = (short)(0xFE00 | il.ReadByte());
            }
            switch (Operands[code])
            {
                case OperandType.InlineField:
                case OperandType.InlineMethod:
                case OperandType.InlineTok:
                case OperandType.InlineType:
                    CollectEntity(MetadataTokens.EntityHandle(il.ReadInt32()), found);
                    break;
                case OperandType.InlineSig:
                case OperandType.InlineString:
                case OperandType.InlineI:
                case OperandType.InlineBrTarget:
                case OperandType.ShortInlineR:
                    il.ReadInt32();
                    break;
                case OperandType.InlineI8:
                case OperandType.InlineR:
                    il.ReadInt64();
                    break;
                case OperandType.InlineVar:
                    il.ReadInt16();
                    break;
                case OperandType.ShortInlineBrTarget:
                case OperandType.ShortInlineI:
                case OperandType.ShortInlineVar:
                    il.ReadByte();
                    break;
                case OperandType.InlineSwitch:
                    var count = il.ReadInt32();
                    il.Offset += count * 4;
                    break;
                default:
                    break;
            }
        }
    }

    private void CollectEntity(EntityHandle handle, List<TypeDefinitionHandle> found)
    {
        if (handle.IsNil)
        {
            return;
        }
        switch (handle.Kind)
        {
            case HandleKind.TypeDefinition:
                found.Add((TypeDefinitionHandle)handle);
                break;
            case HandleKind.TypeSpecification:
                found.AddRange(metadata.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(signatures, null));
                break;
            case HandleKind.MethodDefinition:
                found.Add(metadata.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType());
                break;
            case HandleKind.FieldDefinition:
                found.Add(metadata.GetFieldDefinition((FieldDefinitionHandle)handle).GetDeclaringType());
                break;
            case HandleKind.MethodSpecification:
                var specification = metadata.GetMethodSpecification((MethodSpecificationHandle)handle);
                CollectEntity(specification.Method, found);
                foreach (var argument in specification.DecodeSignature(signatures, null))
                {
                    found.AddRange(argument);
                }
                break;
            case HandleKind.MemberReference:
                var member = metadata.GetMemberReference((MemberReferenceHandle)handle);
                CollectEntity(member.Parent, found);
                if (member.GetKind() == MemberReferenceKind.Method)
                {
                    var signature = member.DecodeMethodSignature(signatures, null);
                    found.AddRange(signature.ReturnType);
                    foreach (var parameter in signature.ParameterTypes)
                    {
                        found.AddRange(parameter);
                    }
                }
                else
                {
                    found.AddRange(member.DecodeFieldSignature(signatures, null));
                }
                break;
            default:
                break;
        }
    }

    private string OuterName(TypeDefinitionHandle handle)
    {
        var type = metadata.GetTypeDefinition(handle);
        while (type.IsNested)
        {
            type = metadata.GetTypeDefinition(type.GetDeclaringType());
        }
        var name = metadata.GetString(type.Name);
        var space = metadata.GetString(type.Namespace);
        return space.Length == 0 ? name : $"{space}.{name}";
    }

    // Decodes a signature into the assembly's own type definitions it mentions (generic arguments included).
    private sealed class SignatureCollector(MetadataReader metadata) : ISignatureTypeProvider<ImmutableArray<TypeDefinitionHandle>, object?>
    {
        private static readonly ImmutableArray<TypeDefinitionHandle> None = [];

        public ImmutableArray<TypeDefinitionHandle> GetPrimitiveType(PrimitiveTypeCode typeCode) => None;

        public ImmutableArray<TypeDefinitionHandle> GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => [handle];

        public ImmutableArray<TypeDefinitionHandle> GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => None;

        public ImmutableArray<TypeDefinitionHandle> GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            metadata.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

        public ImmutableArray<TypeDefinitionHandle> GetSZArrayType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;

        public ImmutableArray<TypeDefinitionHandle> GetArrayType(ImmutableArray<TypeDefinitionHandle> elementType, ArrayShape shape) => elementType;

        public ImmutableArray<TypeDefinitionHandle> GetByReferenceType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;

        public ImmutableArray<TypeDefinitionHandle> GetPointerType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;

        public ImmutableArray<TypeDefinitionHandle> GetPinnedType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;

        public ImmutableArray<TypeDefinitionHandle> GetGenericInstantiation(ImmutableArray<TypeDefinitionHandle> genericType, ImmutableArray<ImmutableArray<TypeDefinitionHandle>> typeArguments)
        {
            var all = genericType.ToBuilder();
            foreach (var argument in typeArguments)
            {
                all.AddRange(argument);
            }
            return all.ToImmutable();
        }

        public ImmutableArray<TypeDefinitionHandle> GetGenericMethodParameter(object? genericContext, int index) => None;

        public ImmutableArray<TypeDefinitionHandle> GetGenericTypeParameter(object? genericContext, int index) => None;

        public ImmutableArray<TypeDefinitionHandle> GetFunctionPointerType(MethodSignature<ImmutableArray<TypeDefinitionHandle>> signature)
        {
            var all = signature.ReturnType.ToBuilder();
            foreach (var parameter in signature.ParameterTypes)
            {
                all.AddRange(parameter);
            }
            return all.ToImmutable();
        }

        public ImmutableArray<TypeDefinitionHandle> GetModifiedType(ImmutableArray<TypeDefinitionHandle> modifier, ImmutableArray<TypeDefinitionHandle> unmodifiedType, bool isRequired) => unmodifiedType;
    }
}
