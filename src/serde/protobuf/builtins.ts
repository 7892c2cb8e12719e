/**
 * Files a schema may import without registering them as references: Google's well-known types,
 * google/type's Date and TimeOfDay, and Confluent's decimal and meta definitions (as the
 * registry's Protobuf provider knows them). Texts written from their published definitions.
 */

const WRAPPERS = `syntax = "proto3";
package google.protobuf;
message DoubleValue { double value = 1; }
message FloatValue { float value = 1; }
message Int64Value { int64 value = 1; }
message UInt64Value { uint64 value = 1; }
message Int32Value { int32 value = 1; }
message UInt32Value { uint32 value = 1; }
message BoolValue { bool value = 1; }
message StringValue { string value = 1; }
message BytesValue { bytes value = 1; }
`;

const STRUCT = `syntax = "proto3";
package google.protobuf;
message Struct { map<string, Value> fields = 1; }
message Value {
  oneof kind {
    NullValue null_value = 1;
    double number_value = 2;
    string string_value = 3;
    bool bool_value = 4;
    Struct struct_value = 5;
    ListValue list_value = 6;
  }
}
enum NullValue { NULL_VALUE = 0; }
message ListValue { repeated Value values = 1; }
`;

const DESCRIPTOR = `syntax = "proto2";
package google.protobuf;
message FileOptions {}
message MessageOptions {}
message FieldOptions {}
message OneofOptions {}
message EnumOptions {}
message EnumValueOptions {}
message ServiceOptions {}
message MethodOptions {}
`;

const META = `syntax = "proto3";
package confluent;
import "google/protobuf/descriptor.proto";
message Meta {
  string doc = 1;
  map<string, string> params = 2;
  repeated string tags = 3;
}
`;

export const BUILTIN_FILES: Readonly<Record<string, string>> = {
  'google/protobuf/wrappers.proto': WRAPPERS,
  'google/protobuf/timestamp.proto': 'syntax = "proto3";\npackage google.protobuf;\nmessage Timestamp { int64 seconds = 1; int32 nanos = 2; }\n',
  'google/protobuf/duration.proto': 'syntax = "proto3";\npackage google.protobuf;\nmessage Duration { int64 seconds = 1; int32 nanos = 2; }\n',
  'google/protobuf/empty.proto': 'syntax = "proto3";\npackage google.protobuf;\nmessage Empty {}\n',
  'google/protobuf/any.proto': 'syntax = "proto3";\npackage google.protobuf;\nmessage Any { string type_url = 1; bytes value = 2; }\n',
  'google/protobuf/field_mask.proto': 'syntax = "proto3";\npackage google.protobuf;\nmessage FieldMask { repeated string paths = 1; }\n',
  'google/protobuf/struct.proto': STRUCT,
  'google/protobuf/descriptor.proto': DESCRIPTOR,
  'google/type/date.proto': 'syntax = "proto3";\npackage google.type;\nmessage Date { int32 year = 1; int32 month = 2; int32 day = 3; }\n',
  'google/type/timeofday.proto':
    'syntax = "proto3";\npackage google.type;\nmessage TimeOfDay { int32 hours = 1; int32 minutes = 2; int32 seconds = 3; int32 nanos = 4; }\n',
  'confluent/type/decimal.proto':
    'syntax = "proto3";\npackage confluent.type;\nmessage Decimal { bytes value = 1; uint32 precision = 2; int32 scale = 3; }\n',
  'confluent/meta.proto': META,
};
