// Resolving an s3:// URI: options over environment over profile files.

#include "io/s3_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "testing.h"

namespace quiver {
namespace {

using ::testing::HasSubstr;

// An environment made of a map, for tests.
EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(S3ConfigTest, UriGivesBucketAndPrefix) {
  auto env = FakeEnv({{"AWS_ACCESS_KEY_ID", "k"}, {"AWS_SECRET_ACCESS_KEY", "s"}});
  auto config = ResolveS3Config("s3://my-bucket/a/b/", {}, env);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->bucket, "my-bucket");
  EXPECT_EQ(config->prefix, "a/b/");
  EXPECT_EQ(config->region, "us-east-1");
  EXPECT_EQ(config->endpoint, "https://s3.us-east-1.amazonaws.com");
  EXPECT_FALSE(config->path_style);

  auto bare = ResolveS3Config("s3://my-bucket", {}, env);
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->prefix, "");

  EXPECT_TRUE(ResolveS3Config("s3://", {}, env).status().IsInvalidArgument());
  Status upper = ResolveS3Config("s3://My_Bucket/x", {}, env).status();
  EXPECT_TRUE(upper.IsInvalidArgument());
  EXPECT_THAT(upper.message(), HasSubstr("My_Bucket"));
}

TEST(S3ConfigTest, EnvironmentSuppliesCredentialsRegionAndEndpoint) {
  auto env = FakeEnv({{"AWS_ACCESS_KEY_ID", "AK"},
                      {"AWS_SECRET_ACCESS_KEY", "SK"},
                      {"AWS_SESSION_TOKEN", "TOK"},
                      {"AWS_REGION", "eu-west-3"},
                      {"AWS_ENDPOINT_URL", "http://127.0.0.1:9000/"}});
  auto config = ResolveS3Config("s3://b/db", {}, env);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->credentials.access_key_id, "AK");
  EXPECT_EQ(config->credentials.secret_access_key, "SK");
  EXPECT_EQ(config->credentials.session_token, "TOK");
  EXPECT_EQ(config->region, "eu-west-3");
  EXPECT_EQ(config->endpoint, "http://127.0.0.1:9000");
  EXPECT_TRUE(config->path_style) << "a custom endpoint defaults to path-style addressing";
}

TEST(S3ConfigTest, StorageOptionsWinOverTheEnvironment) {
  auto env = FakeEnv(
      {{"AWS_ACCESS_KEY_ID", "env-key"}, {"AWS_SECRET_ACCESS_KEY", "env-secret"}, {"AWS_REGION", "x"}});
  StorageOptions options{{"aws_access_key_id", "opt-key"},
                         {"AWS_SECRET_ACCESS_KEY", "opt-secret"},
                         {"region", "ap-south-1"},
                         {"endpoint", "https://minio.example:9000"},
                         {"virtual_hosted_style_request", "true"},
                         {"timeout", "2s"},
                         {"connect_timeout", "250ms"},
                         {"max_retries", "2"},
                         {"multipart_part_size", "6291456"},
                         {"single_writer", "true"}};
  auto config = ResolveS3Config("s3://b", options, env);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->credentials.access_key_id, "opt-key");
  EXPECT_EQ(config->credentials.secret_access_key, "opt-secret");
  EXPECT_EQ(config->credentials_source, "storage options");
  EXPECT_EQ(config->region, "ap-south-1");
  EXPECT_FALSE(config->path_style);
  EXPECT_EQ(config->timeout.count(), 2000);
  EXPECT_EQ(config->connect_timeout.count(), 250);
  EXPECT_EQ(config->max_retries, 2);
  EXPECT_EQ(config->multipart_part_size, 6291456u);
  EXPECT_TRUE(config->single_writer);
}

TEST(S3ConfigTest, ProfileFilesSupplyCredentialsAndRegion) {
  testing::TempDir dir;
  std::ofstream(dir.Join("credentials"))
      << "[default]\naws_access_key_id = D\naws_secret_access_key = DS\n\n"
         "[prod]\n# comment\naws_access_key_id=P\naws_secret_access_key=PS\n"
         "aws_session_token = PT\n";
  std::ofstream(dir.Join("config"))
      << "[default]\nregion = us-west-2\n[profile prod]\nregion = eu-central-1\n";
  std::map<std::string, std::string> vars{{"AWS_SHARED_CREDENTIALS_FILE", dir.Join("credentials")},
                                          {"AWS_CONFIG_FILE", dir.Join("config")}};
  auto def = ResolveS3Config("s3://b", {}, FakeEnv(vars));
  ASSERT_TRUE(def.ok()) << def.status().ToString();
  EXPECT_EQ(def->credentials.access_key_id, "D");
  EXPECT_EQ(def->region, "us-west-2");

  vars["AWS_PROFILE"] = "prod";
  auto prod = ResolveS3Config("s3://b", {}, FakeEnv(vars));
  ASSERT_TRUE(prod.ok()) << prod.status().ToString();
  EXPECT_EQ(prod->credentials.access_key_id, "P");
  EXPECT_EQ(prod->credentials.session_token, "PT");
  EXPECT_EQ(prod->region, "eu-central-1");
  EXPECT_THAT(prod->credentials_source, HasSubstr("prod"));

  auto by_option = ResolveS3Config("s3://b", {{"aws_profile", "default"}}, FakeEnv(vars));
  ASSERT_TRUE(by_option.ok());
  EXPECT_EQ(by_option->credentials.access_key_id, "D");
}

TEST(S3ConfigTest, MissingCredentialsAndBadOptionsAreClearErrors) {
  Status none = ResolveS3Config("s3://b", {}, FakeEnv({{"HOME", "/nonexistent"}})).status();
  EXPECT_TRUE(none.IsNotFound()) << none.ToString();
  EXPECT_THAT(none.message(), HasSubstr("AWS_ACCESS_KEY_ID"));

  EXPECT_TRUE(ResolveS3Config("s3://b", {{"skip_signature", "true"}}, FakeEnv({})).ok());

  auto env = FakeEnv({{"AWS_ACCESS_KEY_ID", "k"}, {"AWS_SECRET_ACCESS_KEY", "s"}});
  Status unknown = ResolveS3Config("s3://b", {{"aws_regoin", "x"}}, env).status();
  EXPECT_TRUE(unknown.IsInvalidArgument());
  EXPECT_THAT(unknown.message(), HasSubstr("aws_regoin"));
  EXPECT_THAT(unknown.message(), HasSubstr("region"));
  EXPECT_THAT(ResolveS3Config("s3://b", {{"timeout", "soon"}}, env).status().message(), HasSubstr("soon"));
  EXPECT_THAT(ResolveS3Config("s3://b", {{"multipart_part_size", "1000"}}, env).status().message(),
              HasSubstr("at least"));
  EXPECT_THAT(ResolveS3Config("s3://b", {{"endpoint", "localhost:9000"}}, env).status().message(),
              HasSubstr("http://"));
  Status no_secret = ResolveS3Config("s3://b", {}, FakeEnv({{"AWS_ACCESS_KEY_ID", "k"}})).status();
  EXPECT_THAT(no_secret.message(), HasSubstr("no secret access key"));
}

TEST(S3ConfigTest, DurationsAcceptCommonUnits) {
  EXPECT_EQ(ParseDuration("30s")->count(), 30000);
  EXPECT_EQ(ParseDuration("500ms")->count(), 500);
  EXPECT_EQ(ParseDuration("2m")->count(), 120000);
  EXPECT_EQ(ParseDuration("1.5")->count(), 1500);
  EXPECT_FALSE(ParseDuration("").ok());
  EXPECT_FALSE(ParseDuration("5 hours").ok());
}

}  // namespace
}  // namespace quiver
