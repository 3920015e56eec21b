//! The marketplace's posts on SQLite and PostgreSQL: staff post and moderate for their own
//! cluster, a member posts for its own organisation only, and reading goes by the principal's
//! audience (another cluster's own-cluster post is "not found").

mod common;

use chrono::{Duration, NaiveDate, Utc};
use klynge_domain::*;
use klynge_store::{NewUser, Principal, Role, Store, StoreError};

fn cluster(slug: &str) -> Cluster {
    Cluster {
        slug: Slug::parse(slug).unwrap(),
        name: Name::parse(&format!("Cluster {slug}")).unwrap(),
        strength_area: Name::parse("Energy technology").unwrap(),
        emerging: false,
    }
}

fn organisation(name: &str) -> Organisation {
    Organisation {
        name: Name::parse(name).unwrap(),
        kind: OrganisationKind::Company,
        registration: Registration::Danish {
            cvr: None,
            municipality: Some(Municipality::find("Aarhus").unwrap().code),
        },
        employment: Some(Employment::exact(12)),
        industry: None,
    }
}

fn post(cluster: ClusterId, org: OrganisationId, title: &str, visibility: Visibility) -> Post {
    Post {
        cluster,
        organisation: org,
        direction: PostDirection::Offer,
        kind: PostKind::Technology,
        title: title.into(),
        description: "Store varmepumper til fjernvarme <b>med</b> naturlige kølemidler.".into(),
        keywords: vec!["varmepumpe".into(), "heat pump".into()],
        themes: vec![Theme::parse("green transition").unwrap()],
        industries: vec!["2825".into()],
        countries: vec![
            CountryCode::parse("DK").unwrap(),
            CountryCode::parse("DE").unwrap(),
        ],
        expires_on: NaiveDate::from_ymd_opt(2099, 1, 1),
        status: PostStatus::Published,
        visibility,
    }
}

async fn principal(
    store: &Store,
    login: &str,
    role: Role,
    cluster: Option<ClusterId>,
    org: Option<OrganisationId>,
) -> Principal {
    let id = store
        .create_user(&NewUser {
            login: login.into(),
            display_name: login.into(),
            password_hash: "x".into(),
            role,
            cluster,
            organisation: org,
        })
        .await
        .unwrap();
    let token = format!("token-{login}");
    store
        .create_session(&token, id, "csrf", Utc::now() + Duration::hours(1))
        .await
        .unwrap();
    store.session(&token).await.unwrap().unwrap().principal
}

on_every_backend!(posts_are_written_moderated_and_read_by_the_rules, |db| {
    let s = &db.store;
    let c1 = s.create_cluster(&cluster("energi")).await.unwrap();
    let c2 = s.create_cluster(&cluster("vand")).await.unwrap();
    let a = s
        .create_organisation(&organisation("Varmeteknik Vest"))
        .await
        .unwrap();
    let b = s
        .create_organisation(&organisation("AquaPure"))
        .await
        .unwrap();
    let staff1 = principal(s, "staff1", Role::ClusterStaff, Some(c1), None).await;
    let staff2 = principal(s, "staff2", Role::ClusterStaff, Some(c2), None).await;
    let member_a = principal(s, "a", Role::Member, Some(c1), Some(a)).await;
    let partner = principal(s, "p", Role::Partner, None, None).await;

    let view1 = staff1.staff(s).unwrap();
    let own = view1
        .create_post(&post(c1, a, "Varmepumper", Visibility::OwnCluster))
        .await
        .unwrap();
    let public = view1
        .create_post(&post(c1, b, "Vandrensning", Visibility::Public))
        .await
        .unwrap();

    // Round trip of every field.
    let read = staff1.market(s).post(own).await.unwrap();
    assert_eq!(
        read.post,
        post(c1, a, "Varmepumper", Visibility::OwnCluster)
    );
    assert_eq!(read.organisation_name, "Varmeteknik Vest");

    // Tenant rules: staff of another cluster and the public do not see an own-cluster post.
    assert!(matches!(
        staff2.market(s).post(own).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        partner.market(s).post(own).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(partner.market(s).post(public).await.is_ok());
    assert!(member_a.market(s).post(own).await.is_ok());

    // Staff cannot post into, read for editing or moderate another cluster's posts.
    let view2 = staff2.staff(s).unwrap();
    assert!(matches!(
        view2
            .create_post(&post(c1, a, "Forkert klynge", Visibility::Public))
            .await,
        Err(StoreError::OtherTenant { .. })
    ));
    assert!(matches!(
        view2.own_post(own).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        view2.set_post_status(own, PostStatus::Hidden).await,
        Err(StoreError::NotFound { .. })
    ));

    // Moderation: hidden posts disappear for everyone but the cluster's staff and the owner.
    view1
        .set_post_status(public, PostStatus::Hidden)
        .await
        .unwrap();
    assert!(matches!(
        partner.market(s).post(public).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(staff1.market(s).post(public).await.is_ok());
    assert_eq!(
        view1
            .cluster_posts(Some(PostStatus::Hidden), 0, 50)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(view1.cluster_posts(None, 0, 50).await.unwrap().len(), 2);

    // A member posts for its own organisation only, and not as hidden.
    let member = member_a.member(s).unwrap();
    let mine = member
        .create_post(&post(c1, a, "Vores behov", Visibility::AllClusters))
        .await
        .unwrap();
    assert!(matches!(
        member
            .create_post(&post(c1, b, "Andres opslag", Visibility::Public))
            .await,
        Err(StoreError::Invalid(_))
    ));
    let mut hidden = post(c1, a, "Skjult", Visibility::Public);
    hidden.status = PostStatus::Hidden;
    assert!(matches!(
        member.create_post(&hidden).await,
        Err(StoreError::Invalid(_))
    ));
    let mut edited = post(c1, a, "Vores behov, opdateret", Visibility::AllClusters);
    edited.direction = PostDirection::Need;
    member.update_post(mine, &edited).await.unwrap();
    assert_eq!(member.own_post(mine).await.unwrap().post, edited);
    assert_eq!(member.own_posts().await.unwrap().len(), 2);
    assert!(staff2.market(s).post(mine).await.is_ok(), "all clusters");
    view1
        .set_post_status(mine, PostStatus::Hidden)
        .await
        .unwrap();
    assert!(matches!(
        member.update_post(mine, &edited).await,
        Err(StoreError::Invalid(_))
    ));

    // Bad input writes nothing.
    let before = s.market_posts_for_index().await.unwrap().len();
    let mut empty = post(c1, a, "", Visibility::Public);
    assert!(matches!(
        view1.create_post(&empty).await,
        Err(StoreError::Invalid(_))
    ));
    empty.title = "Gyldig titel".into();
    empty.description = "x".repeat(5_001);
    assert!(matches!(
        view1.create_post(&empty).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        view1
            .create_post(&post(
                c1,
                OrganisationId(999_999),
                "Ukendt",
                Visibility::Public
            ))
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(s.market_posts_for_index().await.unwrap().len(), before);

    // The index reads everything, with the memberships of the day.
    s.cluster(c1)
        .await
        .unwrap()
        .add_membership(&Membership {
            cluster: c1,
            organisation: a,
            period: Period::new(NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(), None).unwrap(),
            fee_tier: FeeTier::Small,
        })
        .await
        .unwrap();
    let today = Utc::now().date_naive();
    let orgs = s.market_organisations(today).await.unwrap();
    let org_a = orgs.iter().find(|o| o.record.id == a).unwrap();
    assert_eq!(org_a.member_of, vec![c1]);
    assert_eq!(
        s.market_organisation(a, today).await.unwrap().member_of,
        vec![c1]
    );
    assert!(s.market_post_for_index(own).await.unwrap().is_some());
});
